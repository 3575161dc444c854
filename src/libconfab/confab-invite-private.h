/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "confab-invite.h"

G_BEGIN_DECLS

#define CONFAB_INVITE_SCOPE "session.invite"

/* The path a server answers invites on is /v1/session/SESSION_ID/token. */
#define CONFAB_INVITE_PATH_PREFIX "/v1/session"

gboolean confab_invite_verify (const char  *invite,
                               const char  *api_key,
                               const char  *api_secret,
                               const char  *session_id,
                               gint64       now,
                               ConfabRole  *role,
                               GError     **error);

G_END_DECLS
