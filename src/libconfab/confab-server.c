/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-server"

#include "config.h"

#include <string.h>

#include "confab-connection-private.h"
#include "confab-error.h"
#include "confab-random-private.h"
#include "confab-server-private.h"
#include "confab-server-rest-private.h"
#include "confab-token-private.h"

/**
 * ConfabServer:
 *
 * The Confab relay: accepts WebSocket connections on `/v1/ws`, authenticates them with signed
 * tokens, and routes their signals within each session. It runs on the thread-default main
 * context it was created in, in `confab-server` or embedded in an application.
 *
 * A connection whose link drops without leaving is kept, suspended, for
 * #ConfabServer:resume-window seconds: the events it misses are kept for it, and a client
 * that comes back in time resumes where it left off without the others noticing.
 */
struct _ConfabServer
{
  GObject      parent_instance;

  char        *api_key;
  char        *api_secret;
  guint        max_connections;
  guint        max_unacked;
  guint        resume_window;
  guint        connect_timeout;
  guint        idle_timeout;
  guint        max_signal_rate;

  SoupServer  *soup;
  GHashTable  *peers;    /* owns every ConfabServerPeer */
  GHashTable  *sessions; /* id → ConfabServerSession */
  GHashTable  *tombstones; /* connection id → Tombstone */
  ConfabWebsocketHub *websocket_hub;
  guint        sweep_id;
};

G_DEFINE_FINAL_TYPE (ConfabServer, confab_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_API_KEY,
  PROP_API_SECRET,
  PROP_MAX_CONNECTIONS,
  PROP_MAX_UNACKED,
  PROP_RESUME_WINDOW,
  PROP_CONNECT_TIMEOUT,
  PROP_IDLE_TIMEOUT,
  PROP_MAX_SIGNAL_RATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void on_websocket_message (ConfabWebsocket  *websocket,
                                  GBytes           *message,
                                  gboolean          binary,
                                  ConfabServerPeer *peer);
static void on_websocket_closed  (ConfabWebsocket  *websocket,
                                  ConfabServerPeer *peer);

/* What is left of a connection that ended while its link was down: enough for its client,
 * when it comes back, to learn which of its last signals were taken. */
typedef struct {
  char    *resume_key;
  guint64  accepted;
  gint64   expires;
} Tombstone;

#define LISTEN_BACKLOG 4096
#define TOMBSTONE_LIFETIME (30 * 60 * G_USEC_PER_SEC)
#define TOMBSTONES_KEPT 100000

static void
tombstone_free (Tombstone *tombstone)
{
  g_free (tombstone->resume_key);
  g_free (tombstone);
}

static void
peer_free (ConfabServerPeer *peer)
{
  g_clear_handle_id (&peer->timeout_id, g_source_remove);
  if (peer->websocket != NULL)
    g_signal_handlers_disconnect_by_data (peer->websocket, peer);
  g_clear_object (&peer->websocket);
  confab_server_peer_clear_events (peer);
  confab_connection_info_clear (&peer->info);
  for (guint i = 0; peer->refusals != NULL && i < CONFAB_REFUSALS_KEPT; i++)
    g_free (peer->refusals[i].message);
  g_free (peer->refusals);
  g_free (peer->resume_key);
  g_free (peer);
}

static void
peer_attach_websocket (ConfabServerPeer *peer,
                       ConfabWebsocket  *websocket)
{
  peer->websocket = g_object_ref (websocket);
  peer->last_seen = g_get_monotonic_time ();
  g_signal_connect (websocket, "message", G_CALLBACK (on_websocket_message), peer);
  g_signal_connect (websocket, "closed", G_CALLBACK (on_websocket_closed), peer);
}

/* Lets go of the peer's link, telling the client why first when @code is not 0. The link
 * finishes its close handshake on its own. */
static void
peer_detach_websocket (ConfabServerPeer  *peer,
                       ConfabClosingCode  code,
                       const char        *message)
{
  g_autoptr(ConfabWebsocket) websocket = g_steal_pointer (&peer->websocket);

  if (websocket == NULL)
    return;

  g_signal_handlers_disconnect_by_data (websocket, peer);

  if (code != 0)
    {
      g_autoptr(GBytes) frame = confab_frame_encode_closing (message, code);

      confab_websocket_send_text (websocket, frame);
    }
  confab_websocket_close (websocket, code != 0 ? 4000 + code : 1000, message);
}

void
confab_server_end_peer (ConfabServer           *self,
                        ConfabServerPeer       *peer,
                        ConfabDisconnectReason  reason,
                        ConfabClosingCode       code,
                        const char             *message)
{
  ConfabPeerState previous = peer->state;

  if (previous == CONFAB_PEER_ENDED)
    return;

  peer->state = CONFAB_PEER_ENDED;
  g_clear_handle_id (&peer->timeout_id, g_source_remove);
  peer_detach_websocket (peer, code, message);

  if (reason == CONFAB_DISCONNECT_REASON_NETWORK_DISCONNECTED && peer->resume_key != NULL &&
      g_hash_table_size (self->tombstones) < TOMBSTONES_KEPT)
    {
      Tombstone *tombstone = g_new0 (Tombstone, 1);

      tombstone->resume_key = g_strdup (peer->resume_key);
      tombstone->accepted = peer->accepted;
      tombstone->expires = g_get_monotonic_time () + TOMBSTONE_LIFETIME;
      g_hash_table_insert (self->tombstones, g_strdup (peer->info.id), tombstone);
    }

  if (peer->session != NULL)
    {
      ConfabServerSession *session = peer->session;

      confab_server_session_remove (session, peer, reason);
      if (session->peers->len == 0)
        g_hash_table_remove (self->sessions, session->id);
    }

  g_hash_table_remove (self->peers, peer);
}

static gboolean
on_resume_window_over (gpointer user_data)
{
  ConfabServerPeer *peer = user_data;

  peer->timeout_id = 0;
  g_debug ("Connection %s was not resumed in time", peer->info.id);
  confab_server_end_peer (peer->server, peer, CONFAB_DISCONNECT_REASON_NETWORK_DISCONNECTED,
                          0, NULL);
  return G_SOURCE_REMOVE;
}

/* The link is gone but the connection is not: keep it for the resume window. */
static void
peer_suspend (ConfabServerPeer  *peer,
              ConfabClosingCode  code,
              const char        *message)
{
  ConfabServer *self = peer->server;

  peer_detach_websocket (peer, code, message);

  if (self->resume_window == 0)
    {
      confab_server_end_peer (self, peer, CONFAB_DISCONNECT_REASON_NETWORK_DISCONNECTED, 0, NULL);
      return;
    }

  peer->state = CONFAB_PEER_SUSPENDED;
  g_clear_handle_id (&peer->timeout_id, g_source_remove);
  peer->timeout_id = g_timeout_add_seconds (self->resume_window, on_resume_window_over, peer);
}

static void
send_error (ConfabServerPeer *peer,
            guint64           id,
            const GError     *error)
{
  g_autoptr(GBytes) frame = confab_frame_encode_error (id, confab_error_to_status (error),
                                                       error->message);

  confab_server_peer_send (peer, frame);
}

static void
refuse_peer (ConfabServerPeer  *peer,
             ConfabClosingCode  code,
             const char        *message)
{
  g_debug ("Refusing a connection: %s", message);
  confab_server_end_peer (peer->server, peer, CONFAB_DISCONNECT_REASON_CLIENT_DISCONNECTED,
                          code, message);
}

static gboolean
on_connect_timeout (gpointer user_data)
{
  ConfabServerPeer *peer = user_data;
  g_autofree char *message =
    g_strdup_printf ("No connect frame came within %u s", peer->server->connect_timeout);

  peer->timeout_id = 0;
  refuse_peer (peer, CONFAB_CLOSING_PROTOCOL, message);
  return G_SOURCE_REMOVE;
}

/* Hands @fresh's link to @old, a connection of the same session that the client resumes. */
static void
resume_peer (ConfabServerPeer *old,
             ConfabServerPeer *fresh,
             guint64           received)
{
  ConfabServer *self = old->server;
  g_autoptr(ConfabWebsocket) websocket = g_object_ref (fresh->websocket);
  g_autoptr(GBytes) connected = NULL;

  peer_detach_websocket (old, CONFAB_CLOSING_REPLACED, "The connection was resumed elsewhere");
  g_signal_handlers_disconnect_by_data (fresh->websocket, fresh);
  g_clear_object (&fresh->websocket);
  g_hash_table_remove (self->peers, fresh);

  g_clear_handle_id (&old->timeout_id, g_source_remove);
  old->state = CONFAB_PEER_JOINED;
  peer_attach_websocket (old, websocket);

  connected = confab_server_session_encode_connected (old->session, old, TRUE, 0);
  confab_server_peer_send (old, connected);
  confab_server_peer_replay (old, received);
}

/* Reads the "resume" member of a connect frame. Returns the suspended (or not yet noticed
 * as dropped) connection to resume, if the key matches; otherwise, when the connection ended
 * while its client was away, sets @previous_accepted from what is left of it. */
static ConfabServerPeer *
find_resumable (ConfabServer        *self,
                ConfabServerSession *session,
                const ConfabFrame   *frame,
                guint64             *received,
                guint64             *previous_accepted)
{
  ConfabFrame resume = { CONFAB_OP_UNKNOWN, NULL, NULL };
  ConfabServerPeer *old;
  Tombstone *tombstone;
  const char *connection_id;
  const char *key;

  if (!confab_frame_has (frame, "resume"))
    return NULL;

  resume.object = confab_frame_get_object (frame, "resume", NULL);
  if (resume.object == NULL ||
      !confab_frame_get_string (&resume, "connection_id", TRUE, &connection_id, NULL) ||
      !confab_frame_get_string (&resume, "key", TRUE, &key, NULL) ||
      !confab_frame_get_uint64 (&resume, "received", TRUE, received, NULL))
    return NULL;

  old = session ? confab_server_session_lookup (session, connection_id) : NULL;
  if (old != NULL && g_strcmp0 (old->resume_key, key) == 0 && *received <= session->seq)
    return old;

  tombstone = g_hash_table_lookup (self->tombstones, connection_id);
  if (tombstone != NULL && g_strcmp0 (tombstone->resume_key, key) == 0)
    {
      *previous_accepted = tombstone->accepted;
      g_hash_table_remove (self->tombstones, connection_id);
    }

  return NULL;
}

static void
handle_connect (ConfabServerPeer  *peer,
                const ConfabFrame *frame)
{
  ConfabServer *self = peer->server;
  g_auto(ConfabTokenClaims) claims = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *key_of_session = NULL;
  g_autoptr(GBytes) connected = NULL;
  ConfabServerSession *session;
  ConfabServerPeer *old;
  const char *token;
  const char *session_id;
  guint64 received = 0;
  guint64 previous_accepted = 0;

  if (!confab_frame_get_string (frame, "token", TRUE, &token, &error) ||
      !confab_frame_get_string (frame, "session_id", FALSE, &session_id, &error))
    {
      refuse_peer (peer, CONFAB_CLOSING_PROTOCOL, error->message);
      return;
    }

  if (!confab_token_verify (token, self->api_key, self->api_secret,
                            g_get_real_time () / G_USEC_PER_SEC, &claims, &error))
    {
      refuse_peer (peer, CONFAB_CLOSING_UNAUTHORIZED, error->message);
      return;
    }

  if (session_id != NULL && strcmp (session_id, claims.session_id) != 0)
    {
      refuse_peer (peer, CONFAB_CLOSING_UNAUTHORIZED, "The token is for another session");
      return;
    }

  key_of_session = confab_session_id_get_api_key (claims.session_id);
  if (g_strcmp0 (key_of_session, self->api_key) != 0)
    {
      refuse_peer (peer, CONFAB_CLOSING_UNAUTHORIZED,
                   "The token's session does not belong to this server's project");
      return;
    }

  session = confab_server_lookup_session (self, claims.session_id);
  old = find_resumable (self, session, frame, &received, &previous_accepted);
  if (old != NULL)
    {
      resume_peer (old, peer, received);
      return;
    }

  g_clear_handle_id (&peer->timeout_id, g_source_remove);
  peer->state = CONFAB_PEER_JOINED;
  peer->role = claims.role;
  peer->info.id = g_uuid_string_random ();
  peer->info.data = g_steal_pointer (&claims.connection_data);
  peer->info.creation_time = g_get_real_time () / 1000;
  peer->resume_key = confab_random_hex (16);

  session = confab_server_ensure_session (self, claims.session_id);
  confab_server_session_add (session, peer);

  connected = confab_server_session_encode_connected (session, peer, FALSE, previous_accepted);
  confab_server_peer_send (peer, connected);
}

/* A token bucket: max-signal-rate tokens a second, up to twice that in store. */
static gboolean
take_signal_allowance (ConfabServerPeer *peer)
{
  guint rate = peer->server->max_signal_rate;
  gint64 now;

  if (rate == 0)
    return TRUE;

  now = g_get_monotonic_time ();
  if (peer->allowance_time == 0)
    peer->allowance = 2.0 * rate;
  else
    peer->allowance = MIN (2.0 * rate,
                           peer->allowance + rate * (now - peer->allowance_time) / 1e6);
  peer->allowance_time = now;

  if (peer->allowance < 1.0)
    return FALSE;

  peer->allowance -= 1.0;
  return TRUE;
}

static void
handle_signal (ConfabServerPeer  *peer,
               const ConfabFrame *frame)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) answer = NULL;
  const char *type;
  const char *data;
  const char *to;
  guint64 id;

  if (!confab_frame_get_uint64 (frame, "id", TRUE, &id, &error) ||
      !confab_frame_get_string (frame, "type", FALSE, &type, &error) ||
      !confab_frame_get_string (frame, "data", FALSE, &data, &error) ||
      !confab_frame_get_string (frame, "to", FALSE, &to, &error))
    {
      send_error (peer, id, error);
      return;
    }

  /* A client that resumes sends again what it had no answer for; what was taken already is
   * acknowledged again and not relayed twice. */
  if (id <= peer->accepted)
    {
      ConfabRefusal *refusal = peer->refusals ? &peer->refusals[id % CONFAB_REFUSALS_KEPT] : NULL;

      if (refusal != NULL && refusal->id == id)
        answer = confab_frame_encode_error (id, refusal->code, refusal->message);
      else
        answer = confab_frame_encode_accepted (id);
      confab_server_peer_send (peer, answer);
      return;
    }

  if (!take_signal_allowance (peer))
    {
      g_set_error (&error, CONFAB_ERROR, CONFAB_ERROR_RATE_LIMITED,
                   "This connection sends more than %u signals a second; slow down",
                   peer->server->max_signal_rate);
    }
  else if (!confab_role_can_signal (peer->role))
    {
      g_set_error (&error, CONFAB_ERROR, CONFAB_ERROR_FORBIDDEN,
                   "A connection with the role “%s” may not send signals",
                   confab_role_to_string (peer->role));
    }
  else
    {
      confab_server_session_signal (peer->session, peer, to, type, data, &error);
    }

  peer->accepted = id;

  if (error != NULL)
    {
      ConfabRefusal *refusal;

      if (peer->refusals == NULL)
        peer->refusals = g_new0 (ConfabRefusal, CONFAB_REFUSALS_KEPT);
      refusal = &peer->refusals[id % CONFAB_REFUSALS_KEPT];
      refusal->id = id;
      refusal->code = confab_error_to_status (error);
      g_free (refusal->message);
      refusal->message = g_strdup (error->message);
      send_error (peer, id, error);
    }
  else
    {
      answer = confab_frame_encode_accepted (id);
      confab_server_peer_send (peer, answer);
    }
}

static void
handle_force_disconnect (ConfabServerPeer  *peer,
                         const ConfabFrame *frame)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) answer = NULL;
  const char *connection_id;
  guint64 id;

  if (!confab_frame_get_uint64 (frame, "id", TRUE, &id, &error) ||
      !confab_frame_get_string (frame, "connection_id", TRUE, &connection_id, &error))
    {
      send_error (peer, id, error);
      return;
    }

  if (peer->role != CONFAB_ROLE_MODERATOR)
    {
      g_set_error_literal (&error, CONFAB_ERROR, CONFAB_ERROR_FORBIDDEN,
                           "Only a moderator may force others to disconnect");
      send_error (peer, id, error);
      return;
    }

  if (confab_server_session_lookup (peer->session, connection_id) == NULL)
    {
      g_set_error (&error, CONFAB_ERROR, CONFAB_ERROR_CONNECTION_NOT_FOUND,
                   "No connection “%s” is in this session", connection_id);
      send_error (peer, id, error);
      return;
    }

  /* Answered first: a moderator may remove itself, and then it is gone. */
  answer = confab_frame_encode_accepted (id);
  confab_server_peer_send (peer, answer);
  confab_server_force_disconnect (peer->server, peer->session->id, connection_id, NULL);
}

static void
on_websocket_message (ConfabWebsocket  *websocket,
                      GBytes           *message,
                      gboolean          binary,
                      ConfabServerPeer *peer)
{
  g_auto(ConfabFrame) frame = { 0 };
  g_autoptr(GError) error = NULL;
  const char *text;
  gsize length;

  peer->last_seen = g_get_monotonic_time ();

  if (binary)
    {
      g_set_error_literal (&error, CONFAB_ERROR, CONFAB_ERROR_PROTOCOL,
                           "Frames must be text, not binary");
    }
  else
    {
      text = g_bytes_get_data (message, &length);
      confab_frame_parse (&frame, text, length, &error);
    }

  if (peer->state == CONFAB_PEER_AUTHENTICATING)
    {
      if (error == NULL && frame.op != CONFAB_OP_CONNECT)
        g_set_error_literal (&error, CONFAB_ERROR, CONFAB_ERROR_PROTOCOL,
                             "The first frame must be “connect”");

      if (error != NULL)
        refuse_peer (peer, CONFAB_CLOSING_PROTOCOL, error->message);
      else
        handle_connect (peer, &frame);
      return;
    }

  if (error != NULL)
    {
      send_error (peer, 0, error);
      return;
    }

  switch (frame.op)
    {
    case CONFAB_OP_SIGNAL:
      handle_signal (peer, &frame);
      break;

    case CONFAB_OP_ACK:
      {
        guint64 received;

        if (confab_frame_get_uint64 (&frame, "received", TRUE, &received, &error))
          confab_server_peer_ack (peer, received);
        else
          send_error (peer, 0, error);
      }
      break;

    case CONFAB_OP_FORCE_DISCONNECT:
      handle_force_disconnect (peer, &frame);
      break;

    case CONFAB_OP_PING:
      {
        g_autoptr(GBytes) pong = confab_frame_encode_simple ("pong");

        confab_server_peer_send (peer, pong);
      }
      break;

    case CONFAB_OP_LEAVE:
      confab_server_end_peer (peer->server, peer, CONFAB_DISCONNECT_REASON_CLIENT_DISCONNECTED,
                              0, NULL);
      break;

    case CONFAB_OP_CONNECT:
      g_set_error_literal (&error, CONFAB_ERROR, CONFAB_ERROR_PROTOCOL,
                           "This link is connected already");
      send_error (peer, 0, error);
      break;

    default:
      {
        const char *op = NULL;

        confab_frame_get_string (&frame, "op", TRUE, &op, NULL);
        g_set_error (&error, CONFAB_ERROR, CONFAB_ERROR_PROTOCOL,
                     "“%s” is not an operation a client may send", op);
        send_error (peer, 0, error);
      }
      break;
    }
}

static void
on_websocket_closed (ConfabWebsocket  *websocket,
                     ConfabServerPeer *peer)
{
  if (peer->state == CONFAB_PEER_JOINED)
    peer_suspend (peer, 0, NULL);
  else
    confab_server_end_peer (peer->server, peer, CONFAB_DISCONNECT_REASON_NETWORK_DISCONNECTED,
                            0, NULL);
}

static void
accept_link (ConfabServer *self,
             GIOStream    *stream,
             int           fd)
{
  g_autoptr(ConfabWebsocket) websocket = NULL;
  ConfabServerPeer *peer;

  websocket = confab_websocket_new (stream, fd, self->websocket_hub,
                                    CONFAB_PROTOCOL_MAX_FRAME_SIZE);

  peer = g_new0 (ConfabServerPeer, 1);
  peer->server = self;
  peer->state = CONFAB_PEER_AUTHENTICATING;
  g_queue_init (&peer->unacked);
  peer_attach_websocket (peer, websocket);
  g_hash_table_add (self->peers, peer);

  if (g_hash_table_size (self->peers) > self->max_connections)
    {
      refuse_peer (peer, CONFAB_CLOSING_UNAVAILABLE,
                   "The server has reached its connection limit; try again later");
      return;
    }

  peer->timeout_id = g_timeout_add_seconds (self->connect_timeout, on_connect_timeout, peer);

  /* Last: the first frames may already be here, and may end the peer. */
  confab_websocket_start (websocket);
}

/* libsoup has written the 101 answer: from here on the connection is ours to frame. */
static void
on_upgraded (SoupServerMessage *message,
             ConfabServer      *self)
{
  GSocket *socket = soup_server_message_get_socket (message);
  int fd = socket ? g_socket_get_fd (socket) : -1;
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (message);

  if (stream != NULL && fd >= 0)
    accept_link (self, stream, fd);
}

static void
on_upgrade_request (SoupServer        *soup,
                    SoupServerMessage *message,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  ConfabServer *self = user_data;
  char *protocols[] = { (char *) CONFAB_PROTOCOL_NAME, NULL };

  /* On failure libsoup has set the refusal (400) on the message. */
  if (!soup_websocket_server_process_handshake (message, NULL, protocols, NULL, NULL))
    return;

  g_signal_connect_object (message, "wrote-informational", G_CALLBACK (on_upgraded), self, 0);
}

/* Links that said nothing for the idle timeout are taken for dead: the client pings far more
 * often than that. */
static gboolean
on_sweep (gpointer user_data)
{
  ConfabServer *self = user_data;
  gint64 deadline = g_get_monotonic_time () - (gint64) self->idle_timeout * G_USEC_PER_SEC;
  g_autoptr(GPtrArray) silent = g_ptr_array_new ();
  GHashTableIter iter;
  ConfabServerPeer *peer;

  Tombstone *tombstone;
  gint64 now = g_get_monotonic_time ();

  g_hash_table_iter_init (&iter, self->tombstones);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &tombstone))
    if (tombstone->expires < now)
      g_hash_table_iter_remove (&iter);

  if (self->idle_timeout == 0)
    return G_SOURCE_CONTINUE;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, (gpointer *) &peer, NULL))
    {
      if (peer->state == CONFAB_PEER_JOINED && peer->last_seen < deadline)
        g_ptr_array_add (silent, peer);
    }

  for (guint i = 0; i < silent->len; i++)
    peer_suspend (g_ptr_array_index (silent, i), CONFAB_CLOSING_TOO_SLOW,
                  "Nothing was heard from this link for too long");

  return G_SOURCE_CONTINUE;
}

ConfabServerSession *
confab_server_lookup_session (ConfabServer *self,
                              const char   *session_id)
{
  return g_hash_table_lookup (self->sessions, session_id);
}

ConfabServerSession *
confab_server_ensure_session (ConfabServer *self,
                              const char   *session_id)
{
  ConfabServerSession *session = g_hash_table_lookup (self->sessions, session_id);

  if (session == NULL)
    {
      session = confab_server_session_new (self, session_id);
      g_hash_table_insert (self->sessions, session->id, session);
    }

  return session;
}

guint
confab_server_get_max_unacked (ConfabServer *self)
{
  return self->max_unacked;
}

static void
confab_server_dispose (GObject *object)
{
  ConfabServer *self = CONFAB_SERVER (object);

  confab_server_stop (self);
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (confab_server_parent_class)->dispose (object);
}

static void
confab_server_finalize (GObject *object)
{
  ConfabServer *self = CONFAB_SERVER (object);

  g_clear_pointer (&self->peers, g_hash_table_unref);
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_pointer (&self->tombstones, g_hash_table_unref);
  g_clear_pointer (&self->websocket_hub, confab_websocket_hub_free);
  g_clear_pointer (&self->api_key, g_free);
  g_clear_pointer (&self->api_secret, g_free);

  G_OBJECT_CLASS (confab_server_parent_class)->finalize (object);
}

static void
confab_server_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ConfabServer *self = CONFAB_SERVER (object);

  switch (prop_id)
    {
    case PROP_API_KEY:
      g_value_set_string (value, self->api_key);
      break;

    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, self->max_connections);
      break;

    case PROP_MAX_UNACKED:
      g_value_set_uint (value, self->max_unacked);
      break;

    case PROP_RESUME_WINDOW:
      g_value_set_uint (value, self->resume_window);
      break;

    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, self->connect_timeout);
      break;

    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, self->idle_timeout);
      break;

    case PROP_MAX_SIGNAL_RATE:
      g_value_set_uint (value, self->max_signal_rate);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_uint (ConfabServer *self,
          guint        *field,
          const GValue *value,
          guint         prop_id)
{
  guint new_value = g_value_get_uint (value);

  if (*field != new_value)
    {
      *field = new_value;
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
    }
}

static void
confab_server_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ConfabServer *self = CONFAB_SERVER (object);

  switch (prop_id)
    {
    case PROP_API_KEY:
      self->api_key = g_value_dup_string (value);
      break;

    case PROP_API_SECRET:
      self->api_secret = g_value_dup_string (value);
      break;

    case PROP_MAX_CONNECTIONS:
      set_uint (self, &self->max_connections, value, prop_id);
      break;

    case PROP_MAX_UNACKED:
      set_uint (self, &self->max_unacked, value, prop_id);
      break;

    case PROP_RESUME_WINDOW:
      set_uint (self, &self->resume_window, value, prop_id);
      break;

    case PROP_CONNECT_TIMEOUT:
      set_uint (self, &self->connect_timeout, value, prop_id);
      break;

    case PROP_IDLE_TIMEOUT:
      set_uint (self, &self->idle_timeout, value, prop_id);
      break;

    case PROP_MAX_SIGNAL_RATE:
      set_uint (self, &self->max_signal_rate, value, prop_id);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_server_class_init (ConfabServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = confab_server_dispose;
  object_class->finalize = confab_server_finalize;
  object_class->get_property = confab_server_get_property;
  object_class->set_property = confab_server_set_property;

  /**
   * ConfabServer:api-key:
   *
   * The project's API key: tokens must be issued for it.
   */
  properties[PROP_API_KEY] =
    g_param_spec_string ("api-key", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ConfabServer:api-secret:
   *
   * The project's API secret: tokens must be signed with it.
   */
  properties[PROP_API_SECRET] =
    g_param_spec_string ("api-secret", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ConfabServer:max-connections:
   *
   * How many connections the server holds at once, suspended ones included. Past it, new
   * links are told the server is full.
   */
  properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL, 1, G_MAXUINT, 20000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConfabServer:max-unacked:
   *
   * How many events a connection may leave unacknowledged before the server takes it for a
   * reader that stopped and ends it. It also bounds what is kept for a suspended connection.
   */
  properties[PROP_MAX_UNACKED] =
    g_param_spec_uint ("max-unacked", NULL, NULL, 1, G_MAXUINT, 8192,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConfabServer:resume-window:
   *
   * How long, in seconds, a connection whose link dropped is kept for its client to resume.
   * 0 ends it at once.
   */
  properties[PROP_RESUME_WINDOW] =
    g_param_spec_uint ("resume-window", NULL, NULL, 0, 24 * 3600, 60,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConfabServer:connect-timeout:
   *
   * How long, in seconds, a new link may take to send its `connect` frame.
   */
  properties[PROP_CONNECT_TIMEOUT] =
    g_param_spec_uint ("connect-timeout", NULL, NULL, 1, 3600, 10,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConfabServer:idle-timeout:
   *
   * How long, in seconds, a link may stay silent before the server takes it for dead and
   * suspends its connection. 0 turns the check off.
   */
  properties[PROP_IDLE_TIMEOUT] =
    g_param_spec_uint ("idle-timeout", NULL, NULL, 0, 24 * 3600, 45,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConfabServer:max-signal-rate:
   *
   * How many signals a second one connection may send, on average; twice as many may come in
   * a burst. Past it, signals are refused with %CONFAB_ERROR_RATE_LIMITED (429) and nothing is
   * relayed. 0 sets no limit.
   */
  properties[PROP_MAX_SIGNAL_RATE] =
    g_param_spec_uint ("max-signal-rate", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
confab_server_init (ConfabServer *self)
{
  self->max_connections = 20000;
  self->max_unacked = 8192;
  self->resume_window = 60;
  self->connect_timeout = 10;
  self->idle_timeout = 45;
  self->peers = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) peer_free, NULL);
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify) confab_server_session_free);
  self->websocket_hub = confab_websocket_hub_new ();
  self->tombstones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) tombstone_free);
}

/**
 * confab_server_new:
 * @api_key: the project's API key
 * @api_secret: the project's API secret
 *
 * Creates a relay for one project. Call confab_server_listen() to open it.
 *
 * Returns: (transfer full): a new #ConfabServer
 */
ConfabServer *
confab_server_new (const char *api_key,
                   const char *api_secret)
{
  g_return_val_if_fail (api_key != NULL && *api_key != '\0', NULL);
  g_return_val_if_fail (api_secret != NULL && *api_secret != '\0', NULL);

  return g_object_new (CONFAB_TYPE_SERVER,
                       "api-key", api_key,
                       "api-secret", api_secret,
                       NULL);
}

/**
 * confab_server_listen:
 * @self: a #ConfabServer
 * @address: (nullable): the IP address to listen on; %NULL for 127.0.0.1
 * @port: the TCP port, or 0 to let the system pick one (see confab_server_get_port())
 * @error: return location for a #GError
 *
 * Starts accepting connections. May be called once per address.
 *
 * Returns: %TRUE on success
 */
gboolean
confab_server_listen (ConfabServer  *self,
                      const char    *address,
                      guint          port,
                      GError       **error)
{
  g_autoptr(GInetAddress) inet_address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocket) socket = NULL;

  g_return_val_if_fail (CONFAB_IS_SERVER (self), FALSE);
  g_return_val_if_fail (port <= G_MAXUINT16, FALSE);

  inet_address = g_inet_address_new_from_string (address ? address : "127.0.0.1");
  if (inet_address == NULL)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
                   "“%s” is not an IP address", address);
      return FALSE;
    }

  if (self->soup == NULL)
    {
      self->soup = soup_server_new ("server-header", "confab-server ", NULL);
      soup_server_add_handler (self->soup, CONFAB_PROTOCOL_PATH, on_upgrade_request, self, NULL);
      confab_server_rest_install (self, self->soup, self->api_key, self->api_secret);
    }

  /* GLib's default backlog of 10 would turn away most of a crowd that reconnects at once
   * after an outage; the kernel caps this at its own somaxconn. */
  socket = g_socket_new (g_inet_address_get_family (inet_address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);

  socket_address = g_inet_socket_address_new (inet_address, port);
  if (!g_socket_bind (socket, socket_address, TRUE, error) ||
      !g_socket_listen (socket, error) ||
      !soup_server_listen_socket (self->soup, socket, 0, error))
    return FALSE;

  if (self->sweep_id == 0)
    self->sweep_id = g_timeout_add_seconds (1, on_sweep, self);

  return TRUE;
}

/**
 * confab_server_stop:
 * @self: a #ConfabServer
 *
 * Stops listening and drops every link, as a server that goes away does: clients are told
 * the server is unavailable and will try to come back. Nothing is kept for them.
 */
void
confab_server_stop (ConfabServer *self)
{
  g_autoptr(GList) peers = NULL;

  g_return_if_fail (CONFAB_IS_SERVER (self));

  g_clear_handle_id (&self->sweep_id, g_source_remove);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);

  /* No connection-destroyed goes out: to each client, the server has simply gone. */
  peers = g_hash_table_get_keys (self->peers);
  for (GList *l = peers; l != NULL; l = l->next)
    {
      ConfabServerPeer *peer = l->data;

      peer->session = NULL;
      peer_detach_websocket (peer, CONFAB_CLOSING_UNAVAILABLE, "The server is stopping");
    }
  g_hash_table_remove_all (self->peers);
  g_hash_table_remove_all (self->sessions);
  g_hash_table_remove_all (self->tombstones);
}

/**
 * confab_server_get_port:
 * @self: a #ConfabServer
 *
 * Returns: the TCP port the server listens on, or 0 if it does not listen
 */
guint
confab_server_get_port (ConfabServer *self)
{
  g_autoslist(GUri) uris = NULL;

  g_return_val_if_fail (CONFAB_IS_SERVER (self), 0);

  if (self->soup == NULL)
    return 0;

  uris = soup_server_get_uris (self->soup);
  return uris ? (guint) g_uri_get_port (uris->data) : 0;
}

/**
 * confab_server_dup_url:
 * @self: a #ConfabServer
 *
 * Gives the URL clients use to reach the server, such as `ws://127.0.0.1:4000`.
 *
 * Returns: (transfer full) (nullable): the URL, or %NULL if the server does not listen
 */
char *
confab_server_dup_url (ConfabServer *self)
{
  g_autoslist(GUri) uris = NULL;
  const char *host;

  g_return_val_if_fail (CONFAB_IS_SERVER (self), NULL);

  if (self->soup == NULL || (uris = soup_server_get_uris (self->soup)) == NULL)
    return NULL;

  host = g_uri_get_host (uris->data);
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("ws://[%s]:%d", host, g_uri_get_port (uris->data));

  return g_strdup_printf ("ws://%s:%d", host, g_uri_get_port (uris->data));
}

/**
 * confab_server_get_api_key:
 * @self: a #ConfabServer
 *
 * Returns: the project's API key
 */
const char *
confab_server_get_api_key (ConfabServer *self)
{
  g_return_val_if_fail (CONFAB_IS_SERVER (self), NULL);

  return self->api_key;
}

/**
 * confab_server_get_n_connections:
 * @self: a #ConfabServer
 *
 * Returns: how many connections the server holds, those still authenticating and those
 *   suspended included
 */
guint
confab_server_get_n_connections (ConfabServer *self)
{
  g_return_val_if_fail (CONFAB_IS_SERVER (self), 0);

  return g_hash_table_size (self->peers);
}

static ConfabServerSession *
require_session (ConfabServer  *self,
                 const char    *session_id,
                 GError       **error)
{
  ConfabServerSession *session = confab_server_lookup_session (self, session_id);

  if (session == NULL)
    g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_SESSION_NOT_FOUND,
                 "No one is connected to the session “%s”", session_id);

  return session;
}

/**
 * confab_server_send_signal:
 * @self: a #ConfabServer
 * @session_id: the session to signal
 * @to_connection_id: (nullable): one connection, or %NULL for everyone in the session
 * @type: (nullable): the signal type
 * @data: (nullable): the signal data
 * @error: return location for a #GError
 *
 * Sends a signal as the server itself: it arrives with no sender. This is what the REST API's
 * signal calls do.
 *
 * Returns: %TRUE if the signal was routed; on error nothing was sent
 */
gboolean
confab_server_send_signal (ConfabServer  *self,
                           const char    *session_id,
                           const char    *to_connection_id,
                           const char    *type,
                           const char    *data,
                           GError       **error)
{
  ConfabServerSession *session;

  g_return_val_if_fail (CONFAB_IS_SERVER (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);

  session = require_session (self, session_id, error);
  if (session == NULL)
    return FALSE;

  return confab_server_session_signal (session, NULL, to_connection_id, type, data, error);
}

/**
 * confab_server_force_disconnect:
 * @self: a #ConfabServer
 * @session_id: the session
 * @connection_id: the connection to remove
 * @error: return location for a #GError
 *
 * Removes a connection from its session. Its client is told it was forced out and does not
 * come back on its own; everyone else sees it destroyed with the reason `forceDisconnected`.
 *
 * Returns: %TRUE if the connection was there and is gone
 */
gboolean
confab_server_force_disconnect (ConfabServer  *self,
                                const char    *session_id,
                                const char    *connection_id,
                                GError       **error)
{
  ConfabServerSession *session;
  ConfabServerPeer *peer;

  g_return_val_if_fail (CONFAB_IS_SERVER (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (connection_id != NULL, FALSE);

  session = require_session (self, session_id, error);
  if (session == NULL)
    return FALSE;

  peer = confab_server_session_lookup (session, connection_id);
  if (peer == NULL)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_CONNECTION_NOT_FOUND,
                   "No connection “%s” is in this session", connection_id);
      return FALSE;
    }

  confab_server_end_peer (self, peer, CONFAB_DISCONNECT_REASON_FORCE_DISCONNECTED,
                          CONFAB_CLOSING_REMOVED, "A moderator removed this connection");
  return TRUE;
}

/**
 * confab_server_dup_connections:
 * @self: a #ConfabServer
 * @session_id: a session id
 *
 * Lists the connections of a session as the server sees them, suspended ones included, in
 * the order they joined.
 *
 * Returns: (transfer full) (element-type ConfabConnection): the connections; empty for an
 *   unknown session
 */
GPtrArray *
confab_server_dup_connections (ConfabServer *self,
                               const char   *session_id)
{
  GPtrArray *connections = g_ptr_array_new_with_free_func (g_object_unref);
  ConfabServerSession *session;

  g_return_val_if_fail (CONFAB_IS_SERVER (self), connections);

  session = confab_server_lookup_session (self, session_id);
  if (session == NULL)
    return connections;

  for (guint i = 0; i < session->peers->len; i++)
    {
      ConfabServerPeer *peer = g_ptr_array_index (session->peers, i);

      g_ptr_array_add (connections, confab_connection_new_from_info (&peer->info));
    }

  return connections;
}
