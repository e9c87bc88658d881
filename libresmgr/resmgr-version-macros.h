/* resmgr-version-macros.h: export, availability and deprecation macros
 *
 * Modelled on GLib's gversionmacros.h and GDK's gdkversionmacros.h: an
 * application defines RESMGR_VERSION_MIN_REQUIRED (the oldest resmgr it must
 * build against: API deprecated in it or before warns) and
 * RESMGR_VERSION_MAX_ALLOWED (the newest resmgr whose API it may use: newer
 * API warns) before including <resmgr.h>.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_INSIDE) && !defined(RESMGR_COMPILATION)
# error "Only <resmgr.h> can be included directly."
#endif

#ifndef RESMGR_MAJOR_VERSION
# error "Include resmgr-version.h (it defines the version numbers), not resmgr-version-macros.h"
#endif

#include <glib.h>

#ifndef _RESMGR_EXTERN
# define _RESMGR_EXTERN extern
#endif

/**
 * RESMGR_DISABLE_DEPRECATION_WARNINGS:
 *
 * Define this macro before including `resmgr.h` to get no compiler warnings
 * for uses of deprecated resmgr API, whatever %RESMGR_VERSION_MIN_REQUIRED
 * says.
 *
 * Since: 0.1
 */

/**
 * RESMGR_DEPRECATED_FOR:
 * @f: the function to use instead
 *
 * Marks a declaration deprecated in favour of @f, for the
 * `RESMGR_DEPRECATED_IN_x_y_FOR` macros. Not for use outside resmgr.
 *
 * Since: 0.1
 */

/**
 * RESMGR_UNAVAILABLE:
 * @maj: the major version the declaration appeared in
 * @min: the minor version the declaration appeared in
 *
 * Marks a declaration that appeared in @maj.@min, newer than
 * %RESMGR_VERSION_MAX_ALLOWED, for the `RESMGR_AVAILABLE_IN_x_y` macros.
 * Not for use outside resmgr.
 *
 * Since: 0.1
 */
#ifdef RESMGR_DISABLE_DEPRECATION_WARNINGS
# define RESMGR_DEPRECATED _RESMGR_EXTERN
# define RESMGR_DEPRECATED_FOR(f) _RESMGR_EXTERN
# define RESMGR_UNAVAILABLE(maj,min) _RESMGR_EXTERN
#else
# define RESMGR_DEPRECATED G_DEPRECATED _RESMGR_EXTERN
# define RESMGR_DEPRECATED_FOR(f) G_DEPRECATED_FOR(f) _RESMGR_EXTERN
# define RESMGR_UNAVAILABLE(maj,min) G_UNAVAILABLE(maj,min) _RESMGR_EXTERN
#endif

/* Every new minor release adds a RESMGR_VERSION_x_y here and its block of
 * RESMGR_DEPRECATED_IN_x_y / RESMGR_AVAILABLE_IN_x_y at the end. */

/**
 * RESMGR_VERSION_0_1:
 *
 * The 0.1 version of resmgr, encoded for the C preprocessor, to compare
 * with %RESMGR_VERSION_MIN_REQUIRED and %RESMGR_VERSION_MAX_ALLOWED.
 *
 * Since: 0.1
 */
#define RESMGR_VERSION_0_1 (G_ENCODE_VERSION (0, 1))

/* The current version, encoded. resmgr has no odd "development" minor
 * versions (GLib's and GTK's scheme): every minor version is a release. */
#define RESMGR_VERSION_CUR_STABLE (G_ENCODE_VERSION (RESMGR_MAJOR_VERSION, RESMGR_MINOR_VERSION))

/**
 * RESMGR_VERSION_MIN_REQUIRED:
 *
 * Define it before including `resmgr.h` to the oldest resmgr the code must
 * build against, one of the version macros (%RESMGR_VERSION_0_1, …). Using
 * API deprecated in that version or before warns; API deprecated later does
 * not. The default is the version of the headers.
 *
 * Since: 0.1
 */
/* A version these headers do not know (a newer header's macro name) compares
 * as 0 in #if: read it as "newer than these headers", like GLib. */
#ifndef RESMGR_VERSION_MIN_REQUIRED
# define RESMGR_VERSION_MIN_REQUIRED (RESMGR_VERSION_CUR_STABLE)
#elif RESMGR_VERSION_MIN_REQUIRED == 0
# undef RESMGR_VERSION_MIN_REQUIRED
# define RESMGR_VERSION_MIN_REQUIRED (RESMGR_VERSION_CUR_STABLE + 1)
#endif

/**
 * RESMGR_VERSION_MAX_ALLOWED:
 *
 * Define it before including `resmgr.h` to the newest resmgr whose API the
 * code may use, one of the version macros (%RESMGR_VERSION_0_1, …). Using
 * API added after that version warns. Unless the code checks
 * RESMGR_CHECK_VERSION() to build different code for different versions, it
 * is the same as %RESMGR_VERSION_MIN_REQUIRED. The default is the version of
 * the headers.
 *
 * Since: 0.1
 */
#if !defined(RESMGR_VERSION_MAX_ALLOWED) || (RESMGR_VERSION_MAX_ALLOWED == 0)
# undef RESMGR_VERSION_MAX_ALLOWED
# define RESMGR_VERSION_MAX_ALLOWED (RESMGR_VERSION_CUR_STABLE)
#endif

/* sanity checks */
#if RESMGR_VERSION_MIN_REQUIRED > RESMGR_VERSION_CUR_STABLE
# error "RESMGR_VERSION_MIN_REQUIRED must be <= the version of the resmgr headers (RESMGR_VERSION_CUR_STABLE)"
#endif
#if RESMGR_VERSION_MAX_ALLOWED < RESMGR_VERSION_MIN_REQUIRED
# error "RESMGR_VERSION_MAX_ALLOWED must be >= RESMGR_VERSION_MIN_REQUIRED"
#endif
#if RESMGR_VERSION_MIN_REQUIRED < RESMGR_VERSION_0_1
# error "RESMGR_VERSION_MIN_REQUIRED must be >= RESMGR_VERSION_0_1, the first version"
#endif

/* The export macro of every public symbol that was in the first version. */
#define RESMGR_AVAILABLE_IN_ALL _RESMGR_EXTERN

/**
 * RESMGR_DEPRECATED_IN_0_1_FOR:
 * @f: the function to use instead
 *
 * Marks a declaration deprecated in resmgr 0.1 in favour of @f: using it
 * warns when %RESMGR_VERSION_MIN_REQUIRED is 0.1 or newer.
 *
 * Since: 0.1
 */
#if RESMGR_VERSION_MIN_REQUIRED >= RESMGR_VERSION_0_1
# define RESMGR_DEPRECATED_IN_0_1 RESMGR_DEPRECATED
# define RESMGR_DEPRECATED_IN_0_1_FOR(f) RESMGR_DEPRECATED_FOR (f)
#else
# define RESMGR_DEPRECATED_IN_0_1 _RESMGR_EXTERN
# define RESMGR_DEPRECATED_IN_0_1_FOR(f) _RESMGR_EXTERN
#endif

#if RESMGR_VERSION_MAX_ALLOWED < RESMGR_VERSION_0_1
# define RESMGR_AVAILABLE_IN_0_1 RESMGR_UNAVAILABLE (0, 1)
#else
# define RESMGR_AVAILABLE_IN_0_1 _RESMGR_EXTERN
#endif
