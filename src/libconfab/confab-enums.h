/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <glib.h>

#include "confab-version-macros.h"

G_BEGIN_DECLS

/**
 * ConfabSessionState:
 * @CONFAB_SESSION_STATE_DISCONNECTED: not connected, and not trying to be.
 * @CONFAB_SESSION_STATE_CONNECTING: joining for the first time.
 * @CONFAB_SESSION_STATE_CONNECTED: joined; signals go out at once.
 * @CONFAB_SESSION_STATE_RECONNECTING: the link was lost; signals sent now wait in a queue.
 *
 * Where a #ConfabSession stands.
 */
typedef enum {
  CONFAB_SESSION_STATE_DISCONNECTED,
  CONFAB_SESSION_STATE_CONNECTING,
  CONFAB_SESSION_STATE_CONNECTED,
  CONFAB_SESSION_STATE_RECONNECTING,
} ConfabSessionState;

/**
 * ConfabDisconnectReason:
 * @CONFAB_DISCONNECT_REASON_CLIENT_DISCONNECTED: the client left.
 * @CONFAB_DISCONNECT_REASON_NETWORK_DISCONNECTED: the link was lost and not resumed in time.
 * @CONFAB_DISCONNECT_REASON_FORCE_DISCONNECTED: a moderator or the server removed it.
 *
 * Why a connection ended. The wire names are `clientDisconnected`, `networkDisconnected` and
 * `forceDisconnected`, as in OpenTok.
 */
typedef enum {
  CONFAB_DISCONNECT_REASON_CLIENT_DISCONNECTED,
  CONFAB_DISCONNECT_REASON_NETWORK_DISCONNECTED,
  CONFAB_DISCONNECT_REASON_FORCE_DISCONNECTED,
} ConfabDisconnectReason;

/**
 * ConfabRole:
 * @CONFAB_ROLE_SUBSCRIBER: may signal.
 * @CONFAB_ROLE_PUBLISHER: may signal (the default).
 * @CONFAB_ROLE_MODERATOR: may signal and force others to disconnect.
 * @CONFAB_ROLE_PUBLISHER_ONLY: may not signal.
 *
 * What a token lets its connection do.
 */
typedef enum {
  CONFAB_ROLE_SUBSCRIBER,
  CONFAB_ROLE_PUBLISHER,
  CONFAB_ROLE_MODERATOR,
  CONFAB_ROLE_PUBLISHER_ONLY,
} ConfabRole;

CONFAB_AVAILABLE_IN_ALL
const char *confab_disconnect_reason_to_string   (ConfabDisconnectReason  reason);
CONFAB_AVAILABLE_IN_ALL
gboolean    confab_disconnect_reason_from_string (const char             *name,
                                                  ConfabDisconnectReason *reason);
CONFAB_AVAILABLE_IN_ALL
const char *confab_role_to_string                (ConfabRole              role);
CONFAB_AVAILABLE_IN_ALL
gboolean    confab_role_from_string              (const char             *name,
                                                  ConfabRole             *role);
CONFAB_AVAILABLE_IN_ALL
gboolean    confab_role_can_signal               (ConfabRole              role);

G_END_DECLS
