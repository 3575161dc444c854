/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

/* libconfab is built with hidden symbols: only what is marked here is its ABI. Internal
 * functions, though named confab_*, stay out of the shared library. */
#if defined(CONFAB_COMPILATION) && defined(__GNUC__)
# define CONFAB_AVAILABLE_IN_ALL __attribute__((visibility ("default"))) extern
#else
# define CONFAB_AVAILABLE_IN_ALL extern
#endif
