/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-session"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "confab-connection-private.h"
#include "confab-enum-types.h"
#include "confab-error.h"
#include "confab-protocol-private.h"
#include "confab-session.h"

/**
 * ConfabSession:
 *
 * One participant's membership of one session: the OpenTok `Session` of the signaling API.
 *
 * Connect with a token, then send signals to one connection or to everyone, and receive
 * them through the detailed #ConfabSession::signal. #ConfabSession:connections lists everyone
 * in the session, this client included, and is kept exactly in sync with the server.
 *
 * When the link drops, the session reconnects by itself (#ConfabSession::reconnecting,
 * #ConfabSession::reconnected). Signals sent meanwhile wait in a queue
 * (#ConfabSession:queued-signals) and go out once the link is back; each one either reaches
 * the server exactly once or fails with %CONFAB_ERROR_SIGNAL_DROPPED.
 */

#define RECONNECT_BASE_MS 500
#define RECONNECT_CAP_MS 15000
#define ACK_EVERY 64
#define ACK_DELAY_MS 100
#define CLIENT_MAX_INCOMING_PAYLOAD (64 * 1024 * 1024)
#define LINK_OPEN_TIMEOUT_MS 2000

typedef enum {
  REQUEST_SIGNAL,
  REQUEST_FORCE_DISCONNECT,
} RequestKind;

/* A send that the server has not answered yet. */
typedef struct {
  RequestKind  kind;
  guint64      id;      /* the client's counter on the current connection; 0 before numbering */
  gboolean     sent;    /* sent on the current link */
  char        *type;
  char        *data;
  char        *to;      /* recipient, or the connection to remove */
  GTask       *task;
} Request;

struct _ConfabSession
{
  GObject                  parent_instance;

  char                    *server_url;
  char                    *session_id;
  char                    *token;
  ConfabSessionState       state;
  ConfabConnection        *connection;
  GListStore              *connections;
  GHashTable              *connection_by_id;

  SoupSession             *soup;
  SoupWebsocketConnection *websocket;
  GCancellable            *link_cancellable;
  gboolean                 joined;          /* the current link got its "connected" frame */
  guint                    link_generation; /* bumped whenever a link is dropped */
  guint                    closing_code;    /* from the server's "closing" frame */
  char                    *closing_message;
  GTask                   *connect_task;

  char                    *resume_key;
  guint64                  received;
  guint64                  acked;
  guint                    ack_id;

  GQueue                   requests;
  guint64                  next_id;
  guint                    queued_signals;

  guint                    ping_interval;
  guint                    ping_timeout;
  guint                    ping_id;
  guint                    deadline_id;

  guint                    reconnect_timeout;
  gint64                   reconnect_deadline;
  gint64                   next_reconnect_time;
  guint                    reconnect_attempt;
  guint                    reconnect_id;
  GNetworkMonitor         *network_monitor;
  gulong                   network_changed_id;
};

G_DEFINE_FINAL_TYPE (ConfabSession, confab_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SERVER_URL,
  PROP_SESSION_ID,
  PROP_STATE,
  PROP_CONNECTION,
  PROP_CONNECTIONS,
  PROP_QUEUED_SIGNALS,
  PROP_PING_INTERVAL,
  PROP_PING_TIMEOUT,
  PROP_RECONNECT_TIMEOUT,
  PROP_NEXT_RECONNECT_TIME,
  N_PROPS
};

enum {
  SIGNAL,
  CONNECTION_CREATED,
  CONNECTION_DESTROYED,
  RECONNECTING,
  RECONNECTED,
  DISCONNECTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void open_link (ConfabSession *self);
static void on_link_closed_for_task (SoupWebsocketConnection *websocket,
                                     GTask                   *task);
static void link_lost (ConfabSession *self,
                       const GError  *error,
                       gboolean       fatal);

static void
request_free (Request *request)
{
  g_clear_object (&request->task);
  g_free (request->type);
  g_free (request->data);
  g_free (request->to);
  g_free (request);
}

static void
request_fail (Request      *request,
              const GError *error)
{
  g_task_return_error (request->task, g_error_copy (error));
  request_free (request);
}

static void
set_state (ConfabSession      *self,
           ConfabSessionState  state)
{
  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
update_queued_signals (ConfabSession *self)
{
  guint queued = 0;

  for (GList *l = self->requests.head; l != NULL; l = l->next)
    {
      Request *request = l->data;

      if (request->kind == REQUEST_SIGNAL && !request->sent)
        queued++;
    }

  if (queued == self->queued_signals)
    return;

  self->queued_signals = queued;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUEUED_SIGNALS]);
}

static void
set_next_reconnect_time (ConfabSession *self,
                         gint64         time)
{
  if (self->next_reconnect_time == time)
    return;

  self->next_reconnect_time = time;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEXT_RECONNECT_TIME]);
}

static void
send_frame (ConfabSession *self,
            GBytes        *frame)
{
  if (self->websocket != NULL &&
      soup_websocket_connection_get_state (self->websocket) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_message (self->websocket, SOUP_WEBSOCKET_DATA_TEXT, frame);
}

static void
send_request (ConfabSession *self,
              Request       *request)
{
  g_autoptr(GBytes) frame = NULL;

  if (request->id == 0)
    request->id = self->next_id++;

  if (request->kind == REQUEST_SIGNAL)
    frame = confab_frame_encode_signal_request (request->id, request->type, request->data,
                                                request->to);
  else
    frame = confab_frame_encode_force_disconnect (request->id, request->to);

  send_frame (self, frame);
  request->sent = TRUE;
}

static void
send_ack (ConfabSession *self)
{
  g_autoptr(GBytes) frame = NULL;

  g_clear_handle_id (&self->ack_id, g_source_remove);
  if (self->acked == self->received)
    return;

  frame = confab_frame_encode_ack (self->received);
  send_frame (self, frame);
  self->acked = self->received;
}

static gboolean
on_ack_timeout (gpointer user_data)
{
  ConfabSession *self = user_data;

  self->ack_id = 0;
  send_ack (self);
  return G_SOURCE_REMOVE;
}

/* Returns FALSE for an event this client has seen already (replayed after a resume). */
static gboolean
take_event (ConfabSession     *self,
            const ConfabFrame *frame)
{
  guint64 seq;

  if (!confab_frame_get_uint64 (frame, "seq", TRUE, &seq, NULL) || seq <= self->received)
    return FALSE;

  self->received = seq;
  if (self->received - self->acked >= ACK_EVERY)
    send_ack (self);
  else if (self->ack_id == 0)
    self->ack_id = g_timeout_add (ACK_DELAY_MS, on_ack_timeout, self);

  return TRUE;
}

static void
stop_timers (ConfabSession *self)
{
  g_clear_handle_id (&self->ping_id, g_source_remove);
  g_clear_handle_id (&self->deadline_id, g_source_remove);
  g_clear_handle_id (&self->ack_id, g_source_remove);
}

static void
on_link_closed_for_task (SoupWebsocketConnection *websocket,
                         GTask                   *task)
{
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* Drops the current link. With @leave, the server is told first; @closed, when given, is
 * completed once the close handshake is over (at once when there was no link). */
static void
close_link (ConfabSession *self,
            gboolean       leave,
            GTask         *closed)
{
  g_autoptr(SoupWebsocketConnection) websocket = g_steal_pointer (&self->websocket);

  stop_timers (self);
  g_cancellable_cancel (self->link_cancellable);
  g_clear_object (&self->link_cancellable);
  self->joined = FALSE;
  self->link_generation++;

  if (websocket != NULL)
    g_signal_handlers_disconnect_by_data (websocket, self);

  if (websocket == NULL ||
      soup_websocket_connection_get_state (websocket) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      if (closed != NULL)
        g_task_return_boolean (closed, TRUE);
      return;
    }

  if (leave)
    {
      g_autoptr(GBytes) frame = confab_frame_encode_simple ("leave");

      soup_websocket_connection_send_message (websocket, SOUP_WEBSOCKET_DATA_TEXT, frame);
    }

  /* libsoup finishes the close handshake on its own; keep the object until it has. */
  if (closed != NULL)
    g_signal_connect_object (websocket, "closed", G_CALLBACK (on_link_closed_for_task),
                             g_object_ref (closed), 0);
  g_signal_connect (g_object_ref (websocket), "closed", G_CALLBACK (g_object_unref), NULL);
  soup_websocket_connection_close (websocket, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

static void
clear_connections (ConfabSession *self)
{
  g_hash_table_remove_all (self->connection_by_id);
  g_list_store_remove_all (self->connections);
  if (self->connection != NULL)
    {
      g_clear_object (&self->connection);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION]);
    }
}

static void
fail_requests (ConfabSession *self,
               RequestKind    kind,
               gboolean       only_sent,
               const GError  *error)
{
  GList *l = self->requests.head;

  while (l != NULL)
    {
      GList *next = l->next;
      Request *request = l->data;

      if (request->kind == kind && (!only_sent || request->sent))
        {
          g_queue_delete_link (&self->requests, l);
          request_fail (request, error);
        }
      l = next;
    }
}

static void
go_disconnected (ConfabSession          *self,
                 ConfabDisconnectReason  reason,
                 const GError           *error)
{
  gboolean was_joined = self->connection != NULL;

  close_link (self, FALSE, NULL);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  set_next_reconnect_time (self, 0);
  g_clear_pointer (&self->resume_key, g_free);

  fail_requests (self, REQUEST_SIGNAL, FALSE, error);
  fail_requests (self, REQUEST_FORCE_DISCONNECT, FALSE, error);
  update_queued_signals (self);

  if (self->connect_task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->connect_task);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The session was disconnected while joining");
    }

  clear_connections (self);
  set_state (self, CONFAB_SESSION_STATE_DISCONNECTED);

  if (was_joined)
    g_signal_emit (self, signals[DISCONNECTED], 0, reason);
}

static void
add_connection (ConfabSession    *self,
                ConfabConnection *connection)
{
  g_hash_table_insert (self->connection_by_id,
                       (gpointer) confab_connection_get_id (connection), connection);
  g_list_store_append (self->connections, connection);
}

static void
remove_connection (ConfabSession    *self,
                   ConfabConnection *connection)
{
  guint position;

  g_hash_table_remove (self->connection_by_id, confab_connection_get_id (connection));
  if (g_list_store_find (self->connections, connection, &position))
    g_list_store_remove (self->connections, position);
}

static gboolean
parse_connection (JsonObject        *object,
                  ConfabConnection **connection)
{
  g_auto(ConfabConnectionInfo) info = { 0 };

  if (object == NULL || !confab_connection_info_from_json (object, &info, NULL))
    return FALSE;

  *connection = confab_connection_new_from_info (&info);
  return TRUE;
}

static void
start_pinging (ConfabSession *self);

static void
complete_taken_requests (ConfabSession *self,
                         guint64        taken)
{
  GList *l = self->requests.head;

  while (l != NULL)
    {
      GList *next = l->next;
      Request *request = l->data;

      if (request->kind == REQUEST_SIGNAL && request->id != 0 && request->id <= taken)
        {
          g_queue_delete_link (&self->requests, l);
          g_task_return_boolean (request->task, TRUE);
          request_free (request);
        }
      l = next;
    }
}

/* The server's "connected": a first join, a resumed connection, or a new one after the old
 * was lost. In the last case the connections model is brought up to date by differences,
 * so a list view bound to it sees only what changed. */
static gboolean
handle_connected (ConfabSession     *self,
                  const ConfabFrame *frame,
                  GError           **error)
{
  g_autoptr(ConfabConnection) own = NULL;
  g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean first = self->state == CONFAB_SESSION_STATE_CONNECTING;
  guint generation = self->link_generation;
  gboolean resumed = FALSE;
  const char *resume_key;
  const char *session_id;
  JsonArray *array;
  guint64 seq;

  if (!parse_connection (confab_frame_get_object (frame, "connection", NULL), &own) ||
      (array = confab_frame_get_array (frame, "connections", error)) == NULL ||
      !confab_frame_get_boolean (frame, "resumed", &resumed, error) ||
      !confab_frame_get_string (frame, "resume_key", TRUE, &resume_key, error) ||
      !confab_frame_get_string (frame, "session_id", FALSE, &session_id, error) ||
      !confab_frame_get_uint64 (frame, "seq", TRUE, &seq, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_PROTOCOL,
                             "The server's “connected” frame names no connection");
      return FALSE;
    }

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      ConfabConnection *connection;

      if (!parse_connection (json_array_get_object_element (array, i), &connection))
        continue;
      if (g_strcmp0 (confab_connection_get_id (connection), confab_connection_get_id (own)) == 0)
        {
          g_object_unref (connection);
          continue;
        }
      g_ptr_array_add (others, connection);
      g_hash_table_add (listed, (gpointer) confab_connection_get_id (connection));
    }

  self->joined = TRUE;
  g_free (self->resume_key);
  self->resume_key = g_strdup (resume_key);

  if (session_id != NULL && g_strcmp0 (session_id, self->session_id) != 0)
    {
      g_free (self->session_id);
      self->session_id = g_strdup (session_id);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION_ID]);
    }

  if (!resumed || first)
    {
      g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);
      g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
      g_autoptr(ConfabConnection) old_own = self->connection ? g_object_ref (self->connection) : NULL;
      guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->connections));
      guint64 previous_accepted = 0;

      /* The old connection is gone. If the server still knew which of its signals it had
       * taken, those are done; the rest go out again on the new connection. */
      confab_frame_get_uint64 (frame, "previous_accepted", FALSE, &previous_accepted, NULL);
      complete_taken_requests (self, previous_accepted);

      self->received = seq;
      self->acked = seq;
      self->next_id = 1;
      for (GList *l = self->requests.head; l != NULL; l = l->next)
        ((Request *) l->data)->id = 0;

      for (guint i = 0; i < n_items; i++)
        {
          ConfabConnection *connection = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

          if (!g_hash_table_contains (listed, confab_connection_get_id (connection)))
            g_ptr_array_add (gone, connection);
          else
            g_object_unref (connection);
        }

      /* The model is brought up to date first, then the signals go out: a handler sees the
       * whole new state, and may leave the session without the rest being applied after. */
      for (guint i = 0; i < gone->len; i++)
        remove_connection (self, g_ptr_array_index (gone, i));

      g_set_object (&self->connection, own);
      add_connection (self, own);

      for (guint i = 0; i < others->len; i++)
        {
          ConfabConnection *connection = g_ptr_array_index (others, i);

          if (g_hash_table_contains (self->connection_by_id, confab_connection_get_id (connection)))
            continue;
          add_connection (self, connection);
          g_ptr_array_add (added, g_object_ref (connection));
        }

      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION]);

      for (guint i = 0; i < gone->len && self->link_generation == generation; i++)
        {
          ConfabConnection *connection = g_ptr_array_index (gone, i);

          if (connection != old_own && !first)
            g_signal_emit (self, signals[CONNECTION_DESTROYED], 0, connection,
                           CONFAB_DISCONNECT_REASON_NETWORK_DISCONNECTED);
        }

      for (guint i = 0; i < added->len && self->link_generation == generation; i++)
        g_signal_emit (self, signals[CONNECTION_CREATED], 0, g_ptr_array_index (added, i));
    }

  /* A handler above may have left the session already. */
  if (self->link_generation != generation)
    return TRUE;

  self->reconnect_attempt = 0;
  start_pinging (self);

  /* Everything unanswered goes out again: with its old id after a resume, so the server can
   * tell a repeat from a new signal, and numbered afresh on a new connection. */
  for (GList *l = self->requests.head; l != NULL; l = l->next)
    send_request (self, l->data);

  set_state (self, CONFAB_SESSION_STATE_CONNECTED);
  set_next_reconnect_time (self, 0);
  update_queued_signals (self);
  if (self->link_generation != generation)
    return TRUE;

  if (first)
    {
      g_task_return_boolean (self->connect_task, TRUE);
      g_clear_object (&self->connect_task);
    }
  else
    {
      g_signal_emit (self, signals[RECONNECTED], 0, resumed);
    }

  return TRUE;
}

static void
handle_signal (ConfabSession     *self,
               const ConfabFrame *frame)
{
  g_autoptr(ConfabConnection) unknown = NULL;
  ConfabConnection *from = NULL;
  const char *type;
  const char *data;
  const char *from_id;
  const char *to;

  if (!confab_frame_get_string (frame, "type", FALSE, &type, NULL) ||
      !confab_frame_get_string (frame, "data", FALSE, &data, NULL) ||
      !confab_frame_get_nullable_string (frame, "from", &from_id, NULL) ||
      !confab_frame_get_string (frame, "to", FALSE, &to, NULL))
    return;

  if (from_id != NULL)
    {
      from = g_hash_table_lookup (self->connection_by_id, from_id);
      if (from == NULL)
        from = unknown = g_object_new (CONFAB_TYPE_CONNECTION, "id", from_id, NULL);
    }

  g_signal_emit (self, signals[SIGNAL],
                 type && *type ? g_quark_from_string (type) : 0,
                 type ? type : "", data ? data : "", from, to != NULL);
}

static void
handle_connection_created (ConfabSession     *self,
                           const ConfabFrame *frame)
{
  g_autoptr(ConfabConnection) connection = NULL;

  if (!parse_connection (confab_frame_get_object (frame, "connection", NULL), &connection) ||
      g_hash_table_contains (self->connection_by_id, confab_connection_get_id (connection)))
    return;

  add_connection (self, connection);
  g_signal_emit (self, signals[CONNECTION_CREATED], 0, connection);
}

static void
handle_connection_destroyed (ConfabSession     *self,
                             const ConfabFrame *frame)
{
  g_autoptr(ConfabConnection) connection = NULL;
  ConfabDisconnectReason reason = CONFAB_DISCONNECT_REASON_NETWORK_DISCONNECTED;
  const char *connection_id;
  const char *reason_name;

  if (!confab_frame_get_string (frame, "connection_id", TRUE, &connection_id, NULL) ||
      !confab_frame_get_string (frame, "reason", FALSE, &reason_name, NULL))
    return;

  confab_disconnect_reason_from_string (reason_name, &reason);

  connection = g_hash_table_lookup (self->connection_by_id, connection_id);
  if (connection == NULL || connection == self->connection)
    return;

  g_object_ref (connection);
  remove_connection (self, connection);
  g_signal_emit (self, signals[CONNECTION_DESTROYED], 0, connection, reason);
}

static GList *
find_request (ConfabSession *self,
              guint64        id)
{
  for (GList *l = self->requests.head; l != NULL; l = l->next)
    {
      Request *request = l->data;

      if (request->sent && request->id == id)
        return l;
    }

  return NULL;
}

static void
handle_answer (ConfabSession     *self,
               const ConfabFrame *frame)
{
  g_autoptr(GError) error = NULL;
  Request *request;
  GList *link;
  guint64 id;

  if (!confab_frame_get_uint64 (frame, "id", FALSE, &id, NULL))
    return;

  link = id > 0 ? find_request (self, id) : NULL;

  if (frame->op == CONFAB_OP_ERROR)
    {
      const char *message = NULL;
      guint64 code = 0;

      confab_frame_get_uint64 (frame, "code", FALSE, &code, NULL);
      confab_frame_get_string (frame, "message", FALSE, &message, NULL);
      error = g_error_new (CONFAB_ERROR, confab_error_from_status (code), "%s",
                           message ? message : "The server refused the request");
      if (link == NULL)
        {
          g_debug ("The server reports: %s", error->message);
          return;
        }
    }

  if (link == NULL)
    return;

  request = link->data;
  g_queue_delete_link (&self->requests, link);
  if (error != NULL)
    request_fail (request, error);
  else
    {
      g_task_return_boolean (request->task, TRUE);
      request_free (request);
    }
}

static void
handle_closing (ConfabSession     *self,
                const ConfabFrame *frame)
{
  const char *message = NULL;
  guint64 code = 0;

  confab_frame_get_uint64 (frame, "code", FALSE, &code, NULL);
  confab_frame_get_string (frame, "reason", FALSE, &message, NULL);
  self->closing_code = code;
  g_free (self->closing_message);
  self->closing_message = g_strdup (message);
}

static void
on_websocket_message (SoupWebsocketConnection *websocket,
                      SoupWebsocketDataType    type,
                      GBytes                  *message,
                      ConfabSession           *self)
{
  g_auto(ConfabFrame) frame = { 0 };
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *text = g_bytes_get_data (message, &length);

  g_clear_handle_id (&self->deadline_id, g_source_remove);

  if (type != SOUP_WEBSOCKET_DATA_TEXT || !confab_frame_parse (&frame, text, length, &error))
    {
      g_debug ("Ignoring a frame the server should not have sent: %s",
               error ? error->message : "binary");
      return;
    }

  if (!self->joined && frame.op != CONFAB_OP_CONNECTED && frame.op != CONFAB_OP_CLOSING &&
      frame.op != CONFAB_OP_ERROR)
    return;

  switch (frame.op)
    {
    case CONFAB_OP_CONNECTED:
      if (!handle_connected (self, &frame, &error))
        link_lost (self, error, FALSE);
      break;

    case CONFAB_OP_SIGNAL:
      if (take_event (self, &frame))
        handle_signal (self, &frame);
      break;

    case CONFAB_OP_CONNECTION_CREATED:
      if (take_event (self, &frame))
        handle_connection_created (self, &frame);
      break;

    case CONFAB_OP_CONNECTION_DESTROYED:
      if (take_event (self, &frame))
        handle_connection_destroyed (self, &frame);
      break;

    case CONFAB_OP_ACCEPTED:
    case CONFAB_OP_ERROR:
      handle_answer (self, &frame);
      break;

    case CONFAB_OP_CLOSING:
      handle_closing (self, &frame);
      break;

    case CONFAB_OP_PONG:
    default:
      break;
    }
}

static void
on_websocket_closed (SoupWebsocketConnection *websocket,
                     ConfabSession           *self)
{
  g_autoptr(GError) error = NULL;
  guint code = self->closing_code;
  const char *message = self->closing_message;

  if (code == 0)
    {
      gushort close_code = soup_websocket_connection_get_close_code (websocket);

      if (close_code >= 4000 && close_code < 5000)
        code = close_code - 4000;
      message = soup_websocket_connection_get_close_data (websocket);
    }

  switch (code)
    {
    case 400:
      error = g_error_new (CONFAB_ERROR, CONFAB_ERROR_PROTOCOL, "%s",
                           message ? message : "The server refused a frame");
      break;
    case 401:
      error = g_error_new (CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED, "%s",
                           message ? message : "The server refused the token");
      break;
    case 410:
      error = g_error_new (CONFAB_ERROR, CONFAB_ERROR_FORBIDDEN, "%s",
                           message ? message : "This connection was removed");
      break;
    case 503:
      error = g_error_new (CONFAB_ERROR, CONFAB_ERROR_SERVER_FULL, "%s",
                           message ? message : "The server is unavailable");
      break;
    default:
      error = g_error_new (CONFAB_ERROR, CONFAB_ERROR_CONNECTION_FAILED, "%s",
                           message && *message ? message : "The link to the server was lost");
      break;
    }

  link_lost (self, error, code == 400 || code == 401 || code == 410);
}

static gboolean
on_reconnect_timeout (gpointer user_data)
{
  ConfabSession *self = user_data;

  self->reconnect_id = 0;
  set_next_reconnect_time (self, 0);
  open_link (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (ConfabSession *self)
{
  gint64 now = g_get_monotonic_time ();
  guint64 ceiling;
  guint delay_ms;

  g_clear_handle_id (&self->reconnect_id, g_source_remove);

  if (now >= self->reconnect_deadline)
    {
      g_autoptr(GError) error =
        g_error_new (CONFAB_ERROR, CONFAB_ERROR_SIGNAL_DROPPED,
                     "The server could not be reached again within %u s", self->reconnect_timeout);

      go_disconnected (self, CONFAB_DISCONNECT_REASON_NETWORK_DISCONNECTED, error);
      return;
    }

  /* Exponential backoff with full jitter: a whole office coming back from one outage does not
   * knock on the server at the same moment. */
  ceiling = MIN ((guint64) RECONNECT_CAP_MS,
                 (guint64) RECONNECT_BASE_MS << MIN (self->reconnect_attempt, 16));
  delay_ms = g_random_int_range (0, (gint32) ceiling + 1);
  delay_ms = MIN ((gint64) delay_ms, (self->reconnect_deadline - now) / 1000);
  self->reconnect_attempt++;

  set_next_reconnect_time (self, now + (gint64) delay_ms * 1000);
  self->reconnect_id = g_timeout_add (delay_ms, on_reconnect_timeout, self);
}

/* The link went away, or never came up. A first connect fails; a joined session reconnects
 * unless the server said not to come back. */
static void
link_lost (ConfabSession *self,
           const GError  *error,
           gboolean       fatal)
{
  g_autoptr(GError) dropped = NULL;

  close_link (self, FALSE, NULL);
  g_clear_pointer (&self->closing_message, g_free);
  self->closing_code = 0;

  if (self->state == CONFAB_SESSION_STATE_CONNECTING)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->connect_task);

      set_state (self, CONFAB_SESSION_STATE_DISCONNECTED);
      g_task_return_error (task, g_error_copy (error));
      return;
    }

  if (self->state == CONFAB_SESSION_STATE_DISCONNECTED)
    return;

  if (g_error_matches (error, CONFAB_ERROR, CONFAB_ERROR_FORBIDDEN))
    {
      go_disconnected (self, CONFAB_DISCONNECT_REASON_FORCE_DISCONNECTED, error);
      return;
    }

  if (fatal)
    {
      go_disconnected (self, CONFAB_DISCONNECT_REASON_NETWORK_DISCONNECTED, error);
      return;
    }

  if (self->state == CONFAB_SESSION_STATE_CONNECTED)
    {
      g_debug ("Link lost (%s); reconnecting", error->message);
      self->reconnect_deadline = g_get_monotonic_time () +
                                 (gint64) self->reconnect_timeout * G_USEC_PER_SEC;
      self->reconnect_attempt = 0;

      /* Only signals are worth repeating; a moderator's request is answered or lost. */
      dropped = g_error_new_literal (CONFAB_ERROR, CONFAB_ERROR_NOT_CONNECTED,
                                     "The link dropped before the server answered");
      fail_requests (self, REQUEST_FORCE_DISCONNECT, FALSE, dropped);
      for (GList *l = self->requests.head; l != NULL; l = l->next)
        ((Request *) l->data)->sent = FALSE;

      set_state (self, CONFAB_SESSION_STATE_RECONNECTING);
      update_queued_signals (self);
      g_signal_emit (self, signals[RECONNECTING], 0);
    }

  schedule_reconnect (self);
}

static gboolean
on_ping_deadline (gpointer user_data)
{
  ConfabSession *self = user_data;
  g_autoptr(GError) error = NULL;

  self->deadline_id = 0;
  error = g_error_new (CONFAB_ERROR, CONFAB_ERROR_CONNECTION_FAILED,
                       "The server did not answer within %u ms",
                       MAX (self->ping_timeout, LINK_OPEN_TIMEOUT_MS));
  link_lost (self, error, FALSE);
  return G_SOURCE_REMOVE;
}

static gboolean
on_ping (gpointer user_data)
{
  ConfabSession *self = user_data;
  g_autoptr(GBytes) frame = confab_frame_encode_simple ("ping");

  send_frame (self, frame);
  if (self->deadline_id == 0)
    self->deadline_id = g_timeout_add (self->ping_timeout, on_ping_deadline, self);

  return G_SOURCE_CONTINUE;
}

static void
start_pinging (ConfabSession *self)
{
  g_clear_handle_id (&self->ping_id, g_source_remove);
  g_clear_handle_id (&self->deadline_id, g_source_remove);
  if (self->ping_interval > 0)
    self->ping_id = g_timeout_add (self->ping_interval, on_ping, self);
}

static void
on_link_opened (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ConfabSession) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = NULL;
  SoupWebsocketConnection *websocket;

  websocket = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (websocket == NULL)
    {
      g_autoptr(GError) link_error = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      link_error = g_error_new (CONFAB_ERROR, CONFAB_ERROR_CONNECTION_FAILED,
                                "Could not reach the server at %s: %s",
                                self->server_url, error->message);
      link_lost (self, link_error, FALSE);
      return;
    }

  self->websocket = websocket;
  g_object_set (websocket, "max-incoming-payload-size",
                (guint64) CLIENT_MAX_INCOMING_PAYLOAD, NULL);
  g_signal_connect (websocket, "message", G_CALLBACK (on_websocket_message), self);
  g_signal_connect (websocket, "closed", G_CALLBACK (on_websocket_closed), self);

  if (self->connection != NULL && self->resume_key != NULL)
    frame = confab_frame_encode_connect (self->token, self->session_id,
                                         confab_connection_get_id (self->connection),
                                         self->resume_key, self->received);
  else
    frame = confab_frame_encode_connect (self->token, self->session_id, NULL, NULL, 0);

  send_frame (self, frame);
}

static char *
websocket_url (const char *server_url)
{
  g_autoptr(GUri) uri = g_uri_parse (server_url, G_URI_FLAGS_NONE, NULL);
  const char *path;

  if (uri == NULL)
    return NULL;

  path = g_uri_get_path (uri);
  if (path[0] == '\0' || strcmp (path, "/") == 0)
    {
      g_autoptr(GUri) with_path =
        g_uri_build (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), CONFAB_PROTOCOL_PATH, NULL, NULL);

      return g_uri_to_string (with_path);
    }

  return g_strdup (server_url);
}

static void
open_link (ConfabSession *self)
{
  g_autoptr(SoupMessage) message = NULL;
  g_autofree char *url = websocket_url (self->server_url);
  char *protocols[] = { (char *) CONFAB_PROTOCOL_NAME, NULL };

  close_link (self, FALSE, NULL);
  self->closing_code = 0;
  g_clear_pointer (&self->closing_message, g_free);

  message = url ? soup_message_new ("GET", url) : NULL;
  if (message == NULL)
    {
      g_autoptr(GError) error =
        g_error_new (CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
                     "“%s” is not a server address; use ws://HOST:PORT", self->server_url);

      link_lost (self, error, TRUE);
      return;
    }

  /* A link that hangs while opening (a black hole) or a server that never answers the
   * connect frame must not hold the session up: the first frame from the server clears it. */
  self->deadline_id = g_timeout_add (MAX (self->ping_timeout, LINK_OPEN_TIMEOUT_MS),
                                     on_ping_deadline, self);

  self->link_cancellable = g_cancellable_new ();
  soup_session_websocket_connect_async (self->soup, message, NULL, protocols, G_PRIORITY_DEFAULT,
                                        self->link_cancellable, on_link_opened,
                                        g_object_ref (self));
}

static void
on_network_changed (GNetworkMonitor *monitor,
                    gboolean         available,
                    ConfabSession   *self)
{
  if (available && self->state == CONFAB_SESSION_STATE_RECONNECTING && self->reconnect_id != 0)
    confab_session_reconnect_now (self);
}

static void
confab_session_dispose (GObject *object)
{
  ConfabSession *self = CONFAB_SESSION (object);

  if (self->state != CONFAB_SESSION_STATE_DISCONNECTED)
    confab_session_disconnect (self);

  g_clear_signal_handler (&self->network_changed_id, self->network_monitor);
  g_clear_object (&self->network_monitor);
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (confab_session_parent_class)->dispose (object);
}

static void
confab_session_finalize (GObject *object)
{
  ConfabSession *self = CONFAB_SESSION (object);

  g_clear_pointer (&self->connection_by_id, g_hash_table_unref);
  g_clear_object (&self->connections);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->server_url, g_free);
  g_clear_pointer (&self->session_id, g_free);
  g_clear_pointer (&self->token, g_free);
  g_clear_pointer (&self->resume_key, g_free);
  g_clear_pointer (&self->closing_message, g_free);

  G_OBJECT_CLASS (confab_session_parent_class)->finalize (object);
}

static void
confab_session_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ConfabSession *self = CONFAB_SESSION (object);

  switch (prop_id)
    {
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;

    case PROP_SESSION_ID:
      g_value_set_string (value, self->session_id);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;

    case PROP_CONNECTIONS:
      g_value_set_object (value, self->connections);
      break;

    case PROP_QUEUED_SIGNALS:
      g_value_set_uint (value, self->queued_signals);
      break;

    case PROP_PING_INTERVAL:
      g_value_set_uint (value, self->ping_interval);
      break;

    case PROP_PING_TIMEOUT:
      g_value_set_uint (value, self->ping_timeout);
      break;

    case PROP_RECONNECT_TIMEOUT:
      g_value_set_uint (value, self->reconnect_timeout);
      break;

    case PROP_NEXT_RECONNECT_TIME:
      g_value_set_int64 (value, self->next_reconnect_time);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_uint_property (ConfabSession *self,
                   guint         *field,
                   const GValue  *value,
                   guint          prop_id)
{
  guint new_value = g_value_get_uint (value);

  if (*field == new_value)
    return;

  *field = new_value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
confab_session_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ConfabSession *self = CONFAB_SESSION (object);

  switch (prop_id)
    {
    case PROP_SERVER_URL:
      self->server_url = g_value_dup_string (value);
      break;

    case PROP_SESSION_ID:
      self->session_id = g_value_dup_string (value);
      break;

    case PROP_PING_INTERVAL:
      set_uint_property (self, &self->ping_interval, value, prop_id);
      break;

    case PROP_PING_TIMEOUT:
      set_uint_property (self, &self->ping_timeout, value, prop_id);
      break;

    case PROP_RECONNECT_TIMEOUT:
      set_uint_property (self, &self->reconnect_timeout, value, prop_id);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_session_class_init (ConfabSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = confab_session_dispose;
  object_class->finalize = confab_session_finalize;
  object_class->get_property = confab_session_get_property;
  object_class->set_property = confab_session_set_property;

  /**
   * ConfabSession:server-url:
   *
   * The server, as `ws://HOST:PORT` (the path `/v1/ws` is added when none is given).
   */
  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ConfabSession:session-id:
   *
   * The session. When none was given, it is the one the token names, known once connected.
   */
  properties[PROP_SESSION_ID] =
    g_param_spec_string ("session-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * ConfabSession:state:
   *
   * Whether the session is connected, joining, reconnecting or disconnected.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       CONFAB_TYPE_SESSION_STATE, CONFAB_SESSION_STATE_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConfabSession:connection:
   *
   * This client's own connection; %NULL until connected.
   */
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, CONFAB_TYPE_CONNECTION,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConfabSession:connections:
   *
   * A #GListModel of every #ConfabConnection in the session, this client's own included, in
   * the order they joined.
   */
  properties[PROP_CONNECTIONS] =
    g_param_spec_object ("connections", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ConfabSession:queued-signals:
   *
   * How many signals wait for the link to come back.
   */
  properties[PROP_QUEUED_SIGNALS] =
    g_param_spec_uint ("queued-signals", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConfabSession:ping-interval:
   *
   * How often, in milliseconds, the client pings the server while connected. 0 turns
   * pinging, and so the detection of a link gone silent, off.
   */
  properties[PROP_PING_INTERVAL] =
    g_param_spec_uint ("ping-interval", NULL, NULL, 0, G_MAXUINT, 5000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConfabSession:ping-timeout:
   *
   * How long, in milliseconds, the server may stay silent after a ping before the link is
   * taken for dead.
   */
  properties[PROP_PING_TIMEOUT] =
    g_param_spec_uint ("ping-timeout", NULL, NULL, 1, G_MAXUINT, 5000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConfabSession:reconnect-timeout:
   *
   * How long, in seconds, the session tries to reconnect before it gives up, fails every
   * queued signal and emits #ConfabSession::disconnected.
   */
  properties[PROP_RECONNECT_TIMEOUT] =
    g_param_spec_uint ("reconnect-timeout", NULL, NULL, 0, G_MAXUINT, 300,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConfabSession:next-reconnect-time:
   *
   * While reconnecting, when the next attempt starts, on the g_get_monotonic_time() clock;
   * 0 otherwise.
   */
  properties[PROP_NEXT_RECONNECT_TIME] =
    g_param_spec_int64 ("next-reconnect-time", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConfabSession::signal:
   * @self: the session
   * @type: the signal type ("" for none)
   * @data: the signal data
   * @from: (nullable): the sending connection, or %NULL when the server itself sent it
   * @direct: %TRUE when the signal was sent to this connection alone, %FALSE when it went to
   *   everyone in the session
   *
   * A signal arrived. The detail is the type, so `"signal::chat"` hears only chat signals.
   */
  signals[SIGNAL] =
    g_signal_new ("signal", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, CONFAB_TYPE_CONNECTION,
                  G_TYPE_BOOLEAN);

  /**
   * ConfabSession::connection-created:
   * @self: the session
   * @connection: the connection
   *
   * Another connection is in the session: emitted for each one already there when this
   * client joins, and for each one that joins later.
   */
  signals[CONNECTION_CREATED] =
    g_signal_new ("connection-created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CONFAB_TYPE_CONNECTION);

  /**
   * ConfabSession::connection-destroyed:
   * @self: the session
   * @connection: the connection
   * @reason: why it ended
   *
   * Another connection left the session.
   */
  signals[CONNECTION_DESTROYED] =
    g_signal_new ("connection-destroyed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  CONFAB_TYPE_CONNECTION, CONFAB_TYPE_DISCONNECT_REASON);

  /**
   * ConfabSession::reconnecting:
   * @self: the session
   *
   * The link was lost; the session is trying to get it back.
   */
  signals[RECONNECTING] =
    g_signal_new ("reconnecting", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * ConfabSession::reconnected:
   * @self: the session
   * @resumed: %TRUE if the same connection was resumed and nothing was missed; %FALSE if
   *   the session was joined afresh with a new connection
   *
   * The link is back.
   */
  signals[RECONNECTED] =
    g_signal_new ("reconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  /**
   * ConfabSession::disconnected:
   * @self: the session
   * @reason: why
   *
   * The session is over for this client: it left, it was removed, or it gave up
   * reconnecting.
   */
  signals[DISCONNECTED] =
    g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CONFAB_TYPE_DISCONNECT_REASON);
}

static void
confab_session_init (ConfabSession *self)
{
  self->state = CONFAB_SESSION_STATE_DISCONNECTED;
  self->ping_interval = 5000;
  self->ping_timeout = 5000;
  self->reconnect_timeout = 300;
  self->next_id = 1;
  self->connections = g_list_store_new (CONFAB_TYPE_CONNECTION);
  self->connection_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&self->requests);
  self->soup = soup_session_new ();
  self->network_monitor = g_object_ref (g_network_monitor_get_default ());
  self->network_changed_id = g_signal_connect (self->network_monitor, "network-changed",
                                               G_CALLBACK (on_network_changed), self);
}

/**
 * confab_session_new:
 * @server_url: the server, as `ws://HOST:PORT`
 * @session_id: (nullable): the session to join, or %NULL for the one the token names
 *
 * Returns: (transfer full): a new, disconnected #ConfabSession
 */
ConfabSession *
confab_session_new (const char *server_url,
                    const char *session_id)
{
  g_return_val_if_fail (server_url != NULL, NULL);

  return g_object_new (CONFAB_TYPE_SESSION,
                       "server-url", server_url,
                       "session-id", session_id,
                       NULL);
}

/**
 * confab_session_get_server_url:
 * @self: a #ConfabSession
 *
 * Returns: the server's URL
 */
const char *
confab_session_get_server_url (ConfabSession *self)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), NULL);

  return self->server_url;
}

/**
 * confab_session_get_session_id:
 * @self: a #ConfabSession
 *
 * Returns: (nullable): the session id
 */
const char *
confab_session_get_session_id (ConfabSession *self)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), NULL);

  return self->session_id;
}

/**
 * confab_session_get_state:
 * @self: a #ConfabSession
 *
 * Returns: the session's state
 */
ConfabSessionState
confab_session_get_state (ConfabSession *self)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), CONFAB_SESSION_STATE_DISCONNECTED);

  return self->state;
}

/**
 * confab_session_get_connection:
 * @self: a #ConfabSession
 *
 * Returns: (transfer none) (nullable): this client's connection, or %NULL when not connected
 */
ConfabConnection *
confab_session_get_connection (ConfabSession *self)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), NULL);

  return self->connection;
}

/**
 * confab_session_get_connections:
 * @self: a #ConfabSession
 *
 * Returns: (transfer none): a #GListModel of the session's #ConfabConnection objects
 */
GListModel *
confab_session_get_connections (ConfabSession *self)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), NULL);

  return G_LIST_MODEL (self->connections);
}

/**
 * confab_session_lookup_connection:
 * @self: a #ConfabSession
 * @connection_id: a connection id
 *
 * Returns: (transfer none) (nullable): the connection with that id, if it is in the session
 */
ConfabConnection *
confab_session_lookup_connection (ConfabSession *self,
                                  const char    *connection_id)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), NULL);
  g_return_val_if_fail (connection_id != NULL, NULL);

  return g_hash_table_lookup (self->connection_by_id, connection_id);
}

/**
 * confab_session_get_queued_signals:
 * @self: a #ConfabSession
 *
 * Returns: how many signals wait for the link to come back
 */
guint
confab_session_get_queued_signals (ConfabSession *self)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), 0);

  return self->queued_signals;
}

/**
 * confab_session_get_next_reconnect_time:
 * @self: a #ConfabSession
 *
 * Returns: when the next reconnection attempt starts, on the g_get_monotonic_time() clock,
 *   or 0 when none is waiting
 */
gint64
confab_session_get_next_reconnect_time (ConfabSession *self)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), 0);

  return self->next_reconnect_time;
}

/**
 * confab_session_connect_async:
 * @self: a #ConfabSession
 * @token: a token for the session, minted with the project's secret
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once joined, or on failure
 * @user_data: data for @callback
 *
 * Joins the session. A token the server refuses fails with %CONFAB_ERROR_UNAUTHORIZED; a
 * server that cannot be reached, with %CONFAB_ERROR_CONNECTION_FAILED. Once joined, a dropped link is
 * reconnected automatically.
 */
void
confab_session_connect_async (ConfabSession       *self,
                              const char          *token,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONFAB_IS_SESSION (self));
  g_return_if_fail (token != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_session_connect_async);

  if (self->state != CONFAB_SESSION_STATE_DISCONNECTED)
    {
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
                               "The session is connected or connecting already");
      return;
    }

  g_free (self->token);
  self->token = g_strdup (token);
  self->connect_task = g_steal_pointer (&task);
  set_state (self, CONFAB_SESSION_STATE_CONNECTING);
  open_link (self);
}

/**
 * confab_session_connect_finish:
 * @self: a #ConfabSession
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the session is joined
 */
gboolean
confab_session_connect_finish (ConfabSession  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
disconnect_with_task (ConfabSession *self,
                      GTask         *closed)
{
  g_autoptr(GError) error = NULL;

  if (self->state == CONFAB_SESSION_STATE_DISCONNECTED)
    {
      if (closed != NULL)
        g_task_return_boolean (closed, TRUE);
      return;
    }

  if (self->state == CONFAB_SESSION_STATE_CONNECTING)
    {
      error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   "The session was disconnected while joining");
      link_lost (self, error, TRUE);
      if (closed != NULL)
        g_task_return_boolean (closed, TRUE);
      return;
    }

  close_link (self, TRUE, closed);
  error = g_error_new_literal (CONFAB_ERROR, CONFAB_ERROR_SIGNAL_DROPPED,
                               "The session was disconnected before the server confirmed it");
  go_disconnected (self, CONFAB_DISCONNECT_REASON_CLIENT_DISCONNECTED, error);
}

/**
 * confab_session_disconnect:
 * @self: a #ConfabSession
 *
 * Leaves the session. Others see this connection destroyed with the reason
 * `clientDisconnected`. Sends the server has not confirmed yet fail with
 * %CONFAB_ERROR_SIGNAL_DROPPED.
 */
void
confab_session_disconnect (ConfabSession *self)
{
  g_return_if_fail (CONFAB_IS_SESSION (self));

  disconnect_with_task (self, NULL);
}

/**
 * confab_session_disconnect_async:
 * @self: a #ConfabSession
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the server has been told
 * @user_data: data for @callback
 *
 * Leaves the session as confab_session_disconnect() does, and calls back once the link is
 * closed, so a program that exits next knows its "leave" reached the server.
 */
void
confab_session_disconnect_async (ConfabSession       *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONFAB_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_session_disconnect_async);
  disconnect_with_task (self, task);
}

/**
 * confab_session_disconnect_finish:
 * @self: a #ConfabSession
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE once the session is left
 */
gboolean
confab_session_disconnect_finish (ConfabSession  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * confab_session_reconnect_now:
 * @self: a #ConfabSession
 *
 * While reconnecting, tries again at once instead of waiting for the next attempt.
 */
void
confab_session_reconnect_now (ConfabSession *self)
{
  g_return_if_fail (CONFAB_IS_SESSION (self));

  if (self->state != CONFAB_SESSION_STATE_RECONNECTING || self->reconnect_id == 0)
    return;

  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  set_next_reconnect_time (self, 0);
  open_link (self);
}

static Request *
request_new (ConfabSession *self,
             RequestKind    kind,
             GTask         *task)
{
  Request *request = g_new0 (Request, 1);

  request->kind = kind;
  request->task = g_object_ref (task);
  g_queue_push_tail (&self->requests, request);
  return request;
}

/**
 * confab_session_send_signal_async:
 * @self: a #ConfabSession
 * @type: (nullable): the signal type: up to 128 bytes of `A–Z a–z 0–9 - _ ~`
 * @data: (nullable): the signal data: up to 8192 bytes of UTF-8
 * @to_connection_id: (nullable): the connection to signal, or %NULL for everyone in the
 *   session, this client included
 * @retry_after_reconnect: while reconnecting, queue the signal (%TRUE) or fail at once
 *   with %CONFAB_ERROR_SIGNAL_DROPPED (%FALSE)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the server has accepted and routed the signal, or on failure
 * @user_data: data for @callback
 *
 * Sends a signal. An invalid one fails with the error that names the cause, and nothing is
 * sent.
 */
void
confab_session_send_signal_async (ConfabSession       *self,
                                  const char          *type,
                                  const char          *data,
                                  const char          *to_connection_id,
                                  gboolean             retry_after_reconnect,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Request *request;

  g_return_if_fail (CONFAB_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_session_send_signal_async);

  if (!confab_signal_validate_type (type, &error) ||
      !confab_signal_validate_data (data, -1, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (to_connection_id != NULL &&
      (*to_connection_id == '\0' || strlen (to_connection_id) > CONFAB_CONNECTION_ID_MAX_LENGTH))
    {
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_CONNECTION_NOT_FOUND,
                               "“%s” is not a connection id", to_connection_id);
      return;
    }

  switch (self->state)
    {
    case CONFAB_SESSION_STATE_DISCONNECTED:
    case CONFAB_SESSION_STATE_CONNECTING:
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_NOT_CONNECTED,
                               "The session is not connected");
      return;

    case CONFAB_SESSION_STATE_RECONNECTING:
      if (!retry_after_reconnect)
        {
          g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_SIGNAL_DROPPED,
                                   "The session is reconnecting and the signal was not to "
                                   "wait for it");
          return;
        }
      break;

    case CONFAB_SESSION_STATE_CONNECTED:
    default:
      break;
    }

  request = request_new (self, REQUEST_SIGNAL, task);
  request->type = g_strdup (type ? type : "");
  request->data = g_strdup (data ? data : "");
  request->to = g_strdup (to_connection_id);

  if (self->state == CONFAB_SESSION_STATE_CONNECTED)
    send_request (self, request);
  else
    update_queued_signals (self);
}

/**
 * confab_session_send_signal_finish:
 * @self: a #ConfabSession
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the server accepted the signal
 */
gboolean
confab_session_send_signal_finish (ConfabSession  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * confab_session_force_disconnect_async:
 * @self: a #ConfabSession
 * @connection_id: the connection to remove from the session
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the server has answered
 * @user_data: data for @callback
 *
 * Removes another participant, as a moderator. Without the moderator role this fails with
 * %CONFAB_ERROR_FORBIDDEN.
 */
void
confab_session_force_disconnect_async (ConfabSession       *self,
                                       const char          *connection_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *request;

  g_return_if_fail (CONFAB_IS_SESSION (self));
  g_return_if_fail (connection_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_session_force_disconnect_async);

  if (self->state != CONFAB_SESSION_STATE_CONNECTED)
    {
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_NOT_CONNECTED,
                               "The session is not connected");
      return;
    }

  request = request_new (self, REQUEST_FORCE_DISCONNECT, task);
  request->to = g_strdup (connection_id);
  send_request (self, request);
}

/**
 * confab_session_force_disconnect_finish:
 * @self: a #ConfabSession
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the connection was removed
 */
gboolean
confab_session_force_disconnect_finish (ConfabSession  *self,
                                        GAsyncResult   *result,
                                        GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
