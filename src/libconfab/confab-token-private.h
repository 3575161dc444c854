/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "confab-token.h"

G_BEGIN_DECLS

typedef struct {
  char       *session_id;
  ConfabRole  role;
  char       *connection_data;
  gint64      expire_time;
} ConfabTokenClaims;

void     confab_token_claims_clear (ConfabTokenClaims *claims);
gboolean confab_token_claims_fill  (ConfabTokenClaims *claims,
                                    const char        *session_id,
                                    const char        *role_name,
                                    const char        *connection_data,
                                    gint64             expire_time,
                                    GError           **error);
gboolean confab_token_check_connection_data (const char *connection_data,
                                    GError           **error);
gboolean confab_token_verify       (const char        *token,
                                    const char        *api_key,
                                    const char        *api_secret,
                                    gint64             now,
                                    ConfabTokenClaims *claims,
                                    GError           **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ConfabTokenClaims, confab_token_claims_clear)

G_END_DECLS
