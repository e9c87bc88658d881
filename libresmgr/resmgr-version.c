/* resmgr-version.c: the version of the loaded library
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "resmgr-private.h"

/**
 * resmgr_get_major_version:
 *
 * Returns the major version of the resmgr library loaded at run time
 * ("1" for 1.2.3). %RESMGR_MAJOR_VERSION is that of the headers the
 * code was compiled against, which may be older.
 *
 * Returns: the major version of the loaded library
 *
 * Since: 0.1
 */
guint
resmgr_get_major_version (void)
{
  return RESMGR_MAJOR_VERSION;
}

/**
 * resmgr_get_minor_version:
 *
 * Returns the minor version of the resmgr library loaded at run time
 * ("2" for 1.2.3). %RESMGR_MINOR_VERSION is that of the headers the
 * code was compiled against, which may be older.
 *
 * Returns: the minor version of the loaded library
 *
 * Since: 0.1
 */
guint
resmgr_get_minor_version (void)
{
  return RESMGR_MINOR_VERSION;
}

/**
 * resmgr_get_micro_version:
 *
 * Returns the micro version of the resmgr library loaded at run time
 * ("3" for 1.2.3). %RESMGR_MICRO_VERSION is that of the headers the
 * code was compiled against, which may be older.
 *
 * Returns: the micro version of the loaded library
 *
 * Since: 0.1
 */
guint
resmgr_get_micro_version (void)
{
  return RESMGR_MICRO_VERSION;
}

/**
 * resmgr_check_version:
 * @required_major: the required major version
 * @required_minor: the required minor version
 * @required_micro: the required micro version
 *
 * Checks that the resmgr library loaded at run time is compatible with
 * version @required_major.@required_minor.@required_micro: same major
 * version, and not older. Use it from code that may run against another
 * build of resmgr than it was compiled with, or from a language binding;
 * in C, RESMGR_CHECK_VERSION() checks the headers at compile time.
 *
 * Returns: (nullable): %NULL if the loaded library is compatible, or a
 *   message saying why not, owned by resmgr: do not modify or free it
 *
 * Since: 0.1
 */
const char *
resmgr_check_version (guint required_major,
                      guint required_minor,
                      guint required_micro)
{
  /* variables, not the macros: at 0.x, "required_major < 0" warns */
  guint major = RESMGR_MAJOR_VERSION;
  guint minor = RESMGR_MINOR_VERSION;
  guint micro = RESMGR_MICRO_VERSION;

  if (required_major > major)
    return "resmgr version too old (major mismatch)";
  if (required_major < major)
    return "resmgr version too new (major mismatch)";
  if (required_minor > minor)
    return "resmgr version too old (minor mismatch)";
  if (required_minor == minor && required_micro > micro)
    return "resmgr version too old (micro mismatch)";
  return NULL;
}
