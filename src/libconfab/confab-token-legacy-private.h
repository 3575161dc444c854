/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "confab-token-private.h"

G_BEGIN_DECLS

/* OpenTok's first token format, still minted by its server SDKs on request:
 * `T1==` + base64 (`partner_id=KEY&sig=HEX(HMAC-SHA1(secret, DATA)):DATA`), where DATA is a
 * URL-encoded form of session_id, create_time, expire_time, role, connection_data, nonce. */
#define CONFAB_TOKEN_LEGACY_PREFIX "T1=="

gboolean confab_token_legacy_verify (const char        *token,
                                     const char        *api_key,
                                     const char        *api_secret,
                                     gint64             now,
                                     ConfabTokenClaims *claims,
                                     GError           **error);
char    *confab_token_legacy_new    (const char        *api_key,
                                     const char        *api_secret,
                                     const char        *session_id,
                                     ConfabRole         role,
                                     const char        *connection_data,
                                     gint64             expire_time,
                                     GError           **error);

G_END_DECLS
