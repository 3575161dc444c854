/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <glib.h>

#include "confab-version-macros.h"

#include "confab-enums.h"

G_BEGIN_DECLS

/**
 * CONFAB_TOKEN_DEFAULT_LIFETIME:
 *
 * How long a token lasts when no expiry is given, in seconds: one day, as in OpenTok.
 */
#define CONFAB_TOKEN_DEFAULT_LIFETIME (24 * 60 * 60)

CONFAB_AVAILABLE_IN_ALL
char     *confab_token_new        (const char  *api_key,
                                   const char  *api_secret,
                                   const char  *session_id,
                                   ConfabRole   role,
                                   const char  *connection_data,
                                   gint64       expire_time,
                                   GError     **error);
CONFAB_AVAILABLE_IN_ALL
char     *confab_session_id_new   (const char  *api_key);
CONFAB_AVAILABLE_IN_ALL
char     *confab_api_secret_new   (void);
CONFAB_AVAILABLE_IN_ALL
char     *confab_session_id_get_api_key (const char *session_id);

G_END_DECLS
