/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-server-session"

#include "config.h"

#include <string.h>

#include "confab-error.h"
#include "confab-server-private.h"

/* A session on the server: who is in it, and the one order in which they all see its events.
 * Every event takes the next `seq`; a broadcast is encoded once and the same bytes go to every
 * recipient. */

typedef struct {
  guint64  seq;
  GBytes  *frame;
} QueuedEvent;

static void
queued_event_free (QueuedEvent *event)
{
  g_bytes_unref (event->frame);
  g_free (event);
}

ConfabServerSession *
confab_server_session_new (ConfabServer *server,
                           const char   *id)
{
  ConfabServerSession *session = g_new0 (ConfabServerSession, 1);

  session->server = server;
  session->id = g_strdup (id);
  session->peers = g_ptr_array_new ();
  return session;
}

void
confab_server_session_free (ConfabServerSession *session)
{
  g_ptr_array_unref (session->peers);
  g_free (session->id);
  g_free (session);
}

ConfabServerPeer *
confab_server_session_lookup (ConfabServerSession *session,
                              const char          *connection_id)
{
  for (guint i = 0; i < session->peers->len; i++)
    {
      ConfabServerPeer *peer = g_ptr_array_index (session->peers, i);

      if (strcmp (peer->info.id, connection_id) == 0)
        return peer;
    }

  return NULL;
}

/* Sends one frame meant for this peer alone. */
void
confab_server_peer_send (ConfabServerPeer *peer,
                         GBytes           *frame)
{
  if (peer->websocket != NULL)
    confab_websocket_send_text (peer->websocket, frame);
}

/* Queues one event for @peer and sends it if its link is up. @frame is the event as it goes
 * on the wire, WebSocket framing included: the same bytes for every recipient. Returns FALSE,
 * sending nothing, when the peer already has as many unacknowledged events as the server
 * allows. */
static gboolean
peer_deliver (ConfabServerPeer *peer,
              guint64           seq,
              GBytes           *frame,
              guint             max_unacked)
{
  QueuedEvent *event;

  if (peer->unacked.length >= max_unacked)
    return FALSE;

  event = g_new (QueuedEvent, 1);
  event->seq = seq;
  event->frame = g_bytes_ref (frame);
  g_queue_push_tail (&peer->unacked, event);

  if (peer->state == CONFAB_PEER_JOINED && peer->websocket != NULL)
    confab_websocket_send (peer->websocket, frame);

  return TRUE;
}

void
confab_server_peer_ack (ConfabServerPeer *peer,
                        guint64           received)
{
  QueuedEvent *event;

  while ((event = g_queue_peek_head (&peer->unacked)) != NULL && event->seq <= received)
    queued_event_free (g_queue_pop_head (&peer->unacked));
}

void
confab_server_peer_replay (ConfabServerPeer *peer,
                           guint64           received)
{
  confab_server_peer_ack (peer, received);

  for (GList *l = peer->unacked.head; l != NULL; l = l->next)
    {
      QueuedEvent *event = l->data;

      confab_websocket_send (peer->websocket, event->frame);
    }
}

void
confab_server_peer_clear_events (ConfabServerPeer *peer)
{
  g_queue_clear_full (&peer->unacked, (GDestroyNotify) queued_event_free);
}

static void
end_peers_behind (ConfabServerSession *session,
                  GPtrArray           *behind)
{
  for (guint i = 0; i < behind->len; i++)
    {
      ConfabServerPeer *peer = g_ptr_array_index (behind, i);
      g_autofree char *message =
        g_strdup_printf ("Over %u events were not acknowledged; the connection fell too far behind",
                         confab_server_get_max_unacked (session->server));

      confab_server_end_peer (session->server, peer,
                              CONFAB_DISCONNECT_REASON_NETWORK_DISCONNECTED,
                              CONFAB_CLOSING_TOO_SLOW, message);
    }
}

/* Sends one event to @to, or to everyone but @except when @to is NULL. Recipients that fell too
 * far behind are ended once the fan-out is done, so the loop never sees the list change. */
static void
session_emit (ConfabServerSession *session,
              GBytes              *event,
              ConfabServerPeer    *to,
              ConfabServerPeer    *except)
{
  guint max_unacked = confab_server_get_max_unacked (session->server);
  g_autoptr(GBytes) frame = confab_websocket_encode_text (event);
  g_autoptr(GPtrArray) behind = NULL;

  if (to != NULL)
    {
      if (!peer_deliver (to, session->seq, frame, max_unacked))
        {
          behind = g_ptr_array_new ();
          g_ptr_array_add (behind, to);
        }
    }
  else
    {
      for (guint i = 0; i < session->peers->len; i++)
        {
          ConfabServerPeer *peer = g_ptr_array_index (session->peers, i);

          if (peer == except || peer_deliver (peer, session->seq, frame, max_unacked))
            continue;

          if (behind == NULL)
            behind = g_ptr_array_new ();
          g_ptr_array_add (behind, peer);
        }
    }

  if (behind != NULL)
    end_peers_behind (session, behind);
}

void
confab_server_session_add (ConfabServerSession *session,
                           ConfabServerPeer    *peer)
{
  g_autoptr(GBytes) frame = NULL;

  peer->session = session;
  session->seq++;
  frame = confab_frame_encode_connection_created (session->seq, &peer->info);
  session_emit (session, frame, NULL, NULL);
  g_ptr_array_add (session->peers, peer);
}

void
confab_server_session_remove (ConfabServerSession    *session,
                              ConfabServerPeer       *peer,
                              ConfabDisconnectReason  reason)
{
  g_autoptr(GBytes) frame = NULL;

  if (!g_ptr_array_remove (session->peers, peer))
    return;

  session->seq++;
  frame = confab_frame_encode_connection_destroyed (session->seq, peer->info.id, reason);
  session_emit (session, frame, NULL, NULL);
}

/*
 * confab_server_session_signal:
 * @from: (nullable): the sender, or NULL when the server itself signals
 * @to: (nullable): a connection id, or NULL to signal everyone, the sender included
 *
 * Validates and routes one signal. On error nothing is sent.
 */
gboolean
confab_server_session_signal (ConfabServerSession  *session,
                              ConfabServerPeer     *from,
                              const char           *to,
                              const char           *type,
                              const char           *data,
                              GError              **error)
{
  g_autoptr(GBytes) frame = NULL;
  ConfabServerPeer *recipient = NULL;

  if (!confab_signal_validate_type (type, error) ||
      !confab_signal_validate_data (data, -1, error))
    return FALSE;

  if (to != NULL)
    {
      recipient = confab_server_session_lookup (session, to);
      if (recipient == NULL)
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_CONNECTION_NOT_FOUND,
                       "No connection “%s” is in this session", to);
          return FALSE;
        }
    }

  session->seq++;
  frame = confab_frame_encode_signal (session->seq, type, data, from ? from->info.id : NULL,
                                      recipient ? recipient->info.id : NULL);
  session_emit (session, frame, recipient, NULL);
  return TRUE;
}

GBytes *
confab_server_session_encode_connected (ConfabServerSession *session,
                                        ConfabServerPeer    *peer,
                                        gboolean             resumed,
                                        guint64              previous_accepted)
{
  g_autofree ConfabConnectionInfo *infos = g_new (ConfabConnectionInfo, session->peers->len);

  for (guint i = 0; i < session->peers->len; i++)
    infos[i] = ((ConfabServerPeer *) g_ptr_array_index (session->peers, i))->info;

  return confab_frame_encode_connected (session->id, &peer->info, infos, session->peers->len,
                                        resumed, peer->resume_key, session->seq, peer->accepted,
                                        previous_accepted);
}
