/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <glib.h>

#include "confab-version-macros.h"

G_BEGIN_DECLS

/**
 * CONFAB_SIGNAL_TYPE_MAX_LENGTH:
 *
 * The longest signal type, in bytes.
 */
#define CONFAB_SIGNAL_TYPE_MAX_LENGTH 128

/**
 * CONFAB_SIGNAL_DATA_MAX_LENGTH:
 *
 * The largest signal data, in bytes of UTF-8.
 */
#define CONFAB_SIGNAL_DATA_MAX_LENGTH 8192

/**
 * CONFAB_CONNECTION_DATA_MAX_LENGTH:
 *
 * The longest connection data a token may carry, in characters.
 */
#define CONFAB_CONNECTION_DATA_MAX_LENGTH 1000

CONFAB_AVAILABLE_IN_ALL
gboolean confab_signal_validate_type (const char  *type,
                                      GError     **error);
CONFAB_AVAILABLE_IN_ALL
gboolean confab_signal_validate_data (const char  *data,
                                      gssize       length,
                                      GError     **error);

G_END_DECLS
