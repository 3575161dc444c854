/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libsoup/soup.h>

#include "confab-enums.h"
#include "confab-protocol-private.h"
#include "confab-server.h"
#include "confab-websocket-private.h"

G_BEGIN_DECLS

/* Why the server ends a link, as the "closing" frame's code and the WebSocket close code
 * (4000 + code). Fatal codes tell the client not to come back with the same token. */
typedef enum {
  CONFAB_CLOSING_PROTOCOL = 400,     /* fatal: the client broke the protocol */
  CONFAB_CLOSING_UNAUTHORIZED = 401, /* fatal: the token was refused */
  CONFAB_CLOSING_TOO_SLOW = 408,     /* the client fell behind or went silent; may resume */
  CONFAB_CLOSING_REPLACED = 409,     /* a newer link resumed this connection */
  CONFAB_CLOSING_REMOVED = 410,      /* fatal: forced out by a moderator or the server */
  CONFAB_CLOSING_UNAVAILABLE = 503,  /* server full or stopping; try again later */
} ConfabClosingCode;

typedef struct _ConfabServerSession ConfabServerSession;
typedef struct _ConfabServerPeer ConfabServerPeer;

typedef enum {
  CONFAB_PEER_AUTHENTICATING,
  CONFAB_PEER_JOINED,
  CONFAB_PEER_SUSPENDED,
  CONFAB_PEER_ENDED,
} ConfabPeerState;

/* One connection as the server keeps it. Every event sent to it stays in `unacked` until the
 * client acknowledges it, so a resumed link can be replayed and a reader that stopped can be
 * told apart from one that is merely slow. */
/* A refused signal, remembered so that a resent copy gets the same answer. */
typedef struct {
  guint64  id;
  guint    code;
  char    *message;
} ConfabRefusal;

#define CONFAB_REFUSALS_KEPT 32

struct _ConfabServerPeer
{
  ConfabServer            *server;
  ConfabServerSession     *session;
  ConfabWebsocket         *websocket;
  ConfabPeerState          state;
  ConfabConnectionInfo     info;
  ConfabRole               role;
  char                    *resume_key;
  guint64                  accepted;
  ConfabRefusal           *refusals; /* CONFAB_REFUSALS_KEPT of them, from the first refusal */
  GQueue                   unacked;
  gint64                   last_seen;
  double                   allowance;       /* signals it may still send now */
  gint64                   allowance_time;
  guint                    timeout_id;
};

struct _ConfabServerSession
{
  ConfabServer *server;
  char         *id;
  GPtrArray    *peers; /* of ConfabServerPeer, in join order */
  guint64       seq;
};

/* confab-server.c */
ConfabServerSession *confab_server_lookup_session  (ConfabServer        *self,
                                                    const char          *session_id);
ConfabServerSession *confab_server_ensure_session  (ConfabServer        *self,
                                                    const char          *session_id);
guint                confab_server_get_max_unacked (ConfabServer        *self);
void                 confab_server_end_peer        (ConfabServer        *self,
                                                    ConfabServerPeer    *peer,
                                                    ConfabDisconnectReason reason,
                                                    ConfabClosingCode    code,
                                                    const char          *message);

/* confab-server-session.c */
ConfabServerSession *confab_server_session_new     (ConfabServer        *server,
                                                    const char          *id);
void                 confab_server_session_free    (ConfabServerSession *session);
ConfabServerPeer    *confab_server_session_lookup  (ConfabServerSession *session,
                                                    const char          *connection_id);
void                 confab_server_session_add     (ConfabServerSession *session,
                                                    ConfabServerPeer    *peer);
void                 confab_server_session_remove  (ConfabServerSession *session,
                                                    ConfabServerPeer    *peer,
                                                    ConfabDisconnectReason reason);
gboolean             confab_server_session_signal  (ConfabServerSession *session,
                                                    ConfabServerPeer    *from,
                                                    const char          *to,
                                                    const char          *type,
                                                    const char          *data,
                                                    GError             **error);
GBytes              *confab_server_session_encode_connected (ConfabServerSession *session,
                                                    ConfabServerPeer    *peer,
                                                    gboolean             resumed,
                                                    guint64              previous_accepted);

void                 confab_server_peer_send       (ConfabServerPeer    *peer,
                                                    GBytes              *frame);
void                 confab_server_peer_ack        (ConfabServerPeer    *peer,
                                                    guint64              received);
void                 confab_server_peer_replay     (ConfabServerPeer    *peer,
                                                    guint64              received);
void                 confab_server_peer_clear_events (ConfabServerPeer  *peer);

G_END_DECLS
