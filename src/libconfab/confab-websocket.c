/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-websocket"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "confab-websocket-private.h"

#define READ_CHUNK 16384
#define READ_BUDGET (256 * 1024)   /* per dispatch, so one busy client cannot starve the rest */
#define WRITE_VECTORS 64
#define LINGER_SECONDS 2

enum {
  OPCODE_CONTINUATION = 0x0,
  OPCODE_TEXT = 0x1,
  OPCODE_BINARY = 0x2,
  OPCODE_CLOSE = 0x8,
  OPCODE_PING = 0x9,
  OPCODE_PONG = 0xa,
};

enum {
  CLOSE_NORMAL = 1000,
  CLOSE_PROTOCOL_ERROR = 1002,
  CLOSE_NO_STATUS = 1005,
  CLOSE_TOO_BIG = 1009,
};

typedef enum {
  STATE_OPEN,
  STATE_CLOSING,   /* a close frame is queued or sent; waiting for the peer to hang up */
  STATE_CLOSED,
} State;

/* What all of a server's links share: one epoll set, watched by one main-loop source (GLib's
 * own poll() would go through every socket on every turn), and the list of links with frames
 * waiting, written out together once per turn. */
struct _ConfabWebsocketHub
{
  gatomicrefcount  ref_count;
  GPtrArray       *dirty;
  guint            flush_id;
  int              epoll_fd;
  GSource         *source;
  GPtrArray       *retired;  /* finished links, released once no event can name them */
};

typedef struct {
  GSource             source;
  ConfabWebsocketHub *hub;
} HubSource;

struct _ConfabWebsocket
{
  GObject                parent_instance;

  GIOStream             *stream;
  GPollableInputStream  *input;
  GPollableOutputStream *output;
  ConfabWebsocketHub    *hub;
  gsize                  max_payload;

  GByteArray            *inbuf;
  gsize                  inbuf_offset;
  GByteArray            *fragments;
  guint8                 fragments_opcode;
  int                    fd;
  gboolean               registered;
  gboolean               want_write;

  GQueue                 outq;        /* of GBytes, whole frames */
  gsize                  out_offset;  /* bytes of the head frame already written */
  gboolean               dirty;

  State                  state;
  gboolean               closed_emitted;
  guint                  linger_id;
};

G_DEFINE_FINAL_TYPE (ConfabWebsocket, confab_websocket, G_TYPE_OBJECT)

enum {
  MESSAGE,
  CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void flush (ConfabWebsocket *self);

static void on_readable (ConfabWebsocket *self);
static void on_writable (ConfabWebsocket *self);

static ConfabWebsocketHub *
hub_ref (ConfabWebsocketHub *hub)
{
  g_atomic_ref_count_inc (&hub->ref_count);
  return hub;
}

static void
hub_unref (ConfabWebsocketHub *hub)
{
  if (!g_atomic_ref_count_dec (&hub->ref_count))
    return;

  g_clear_handle_id (&hub->flush_id, g_source_remove);
  g_ptr_array_unref (hub->dirty);
  g_ptr_array_unref (hub->retired);
  if (hub->source != NULL)
    {
      g_source_destroy (hub->source);
      g_source_unref (hub->source);
    }
  close (hub->epoll_fd);
  g_free (hub);
}

static gboolean
hub_dispatch (GSource     *source,
              GSourceFunc  callback,
              gpointer     user_data)
{
  ConfabWebsocketHub *hub = ((HubSource *) source)->hub;
  struct epoll_event events[256];
  int n = epoll_wait (hub->epoll_fd, events, G_N_ELEMENTS (events), 0);

  for (int i = 0; i < n; i++)
    {
      ConfabWebsocket *self = events[i].data.ptr;

      /* A link that finished earlier in this batch is in hub->retired, still alive. */
      if (!self->registered)
        continue;
      if (events[i].events & EPOLLOUT)
        on_writable (self);
      if (self->registered && events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
        on_readable (self);
    }

  hub_ref (hub);
  g_ptr_array_set_size (hub->retired, 0);
  hub_unref (hub);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs hub_source_funcs = {
  .dispatch = hub_dispatch,
};

ConfabWebsocketHub *
confab_websocket_hub_new (void)
{
  ConfabWebsocketHub *hub = g_new0 (ConfabWebsocketHub, 1);

  g_atomic_ref_count_init (&hub->ref_count);
  hub->dirty = g_ptr_array_new_with_free_func (g_object_unref);
  hub->retired = g_ptr_array_new_with_free_func (g_object_unref);
  hub->epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  if (hub->epoll_fd < 0)
    g_error ("Could not create an epoll set: %s", g_strerror (errno));

  hub->source = g_source_new (&hub_source_funcs, sizeof (HubSource));
  ((HubSource *) hub->source)->hub = hub;
  g_source_set_name (hub->source, "Confab WebSocket links");
  g_source_add_unix_fd (hub->source, hub->epoll_fd, G_IO_IN);
  g_source_attach (hub->source, g_main_context_get_thread_default ());
  return hub;
}

void
confab_websocket_hub_free (ConfabWebsocketHub *hub)
{
  /* The epoll source must stop now, even if finishing links still hold the hub. */
  if (hub->source != NULL)
    {
      g_source_destroy (hub->source);
      g_clear_pointer (&hub->source, g_source_unref);
    }
  g_ptr_array_set_size (hub->retired, 0);
  hub_unref (hub);
}

static void
watch (ConfabWebsocket *self)
{
  struct epoll_event event = { 0 };

  if (!self->registered)
    return;

  event.events = EPOLLIN | (self->want_write ? EPOLLOUT : 0);
  event.data.ptr = self;
  if (epoll_ctl (self->hub->epoll_fd, EPOLL_CTL_MOD, self->fd, &event) != 0)
    g_debug ("Could not watch a link: %s", g_strerror (errno));
}

static gboolean
on_flush_all (gpointer user_data)
{
  /* Releasing a finished link may drop the last reference to the hub itself. */
  ConfabWebsocketHub *hub = hub_ref (user_data);
  g_autoptr(GPtrArray) dirty = hub->dirty;

  hub->flush_id = 0;
  hub->dirty = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_set_size (hub->retired, 0);

  for (guint i = 0; i < dirty->len; i++)
    {
      ConfabWebsocket *self = g_ptr_array_index (dirty, i);

      self->dirty = FALSE;
      flush (self);
    }

  g_clear_pointer (&dirty, g_ptr_array_unref);
  hub_unref (hub);
  return G_SOURCE_REMOVE;
}

static void
hub_schedule_flush (ConfabWebsocketHub *hub)
{
  if (hub->flush_id == 0)
    hub->flush_id = g_idle_add_full (G_PRIORITY_DEFAULT, on_flush_all, hub, NULL);
}

static void
schedule_flush (ConfabWebsocket *self)
{
  ConfabWebsocketHub *scheduler = self->hub;

  if (self->dirty || self->want_write)
    return;

  self->dirty = TRUE;
  g_ptr_array_add (scheduler->dirty, g_object_ref (self));
  if (scheduler->flush_id == 0)
    scheduler->flush_id = g_idle_add_full (G_PRIORITY_DEFAULT, on_flush_all, scheduler, NULL);
}

static void
emit_closed (ConfabWebsocket *self)
{
  if (self->closed_emitted)
    return;

  self->closed_emitted = TRUE;
  g_signal_emit (self, signals[CLOSED], 0);
}

/* The end: the stream is closed and the reference the open link held on itself goes. */
static void
finish (ConfabWebsocket *self)
{
  if (self->state == STATE_CLOSED)
    return;

  self->state = STATE_CLOSED;
  g_clear_handle_id (&self->linger_id, g_source_remove);
  if (self->registered)
    {
      epoll_ctl (self->hub->epoll_fd, EPOLL_CTL_DEL, self->fd, NULL);
      self->registered = FALSE;
      /* Events already fetched in this turn may still name this link: it goes once the
       * turn is over. */
      g_ptr_array_add (self->hub->retired, g_object_ref (self));
      hub_schedule_flush (self->hub);
    }
  g_queue_clear_full (&self->outq, (GDestroyNotify) g_bytes_unref);
  g_io_stream_close (self->stream, NULL, NULL);

  emit_closed (self);
  g_object_unref (self);
}

static gboolean
on_linger_over (gpointer user_data)
{
  ConfabWebsocket *self = user_data;

  self->linger_id = 0;
  finish (self);
  return G_SOURCE_REMOVE;
}

static GBytes *
encode_frame (guint8        opcode,
              const guint8 *payload,
              gsize         length)
{
  guint8 *frame;
  gsize header;

  if (length < 126)
    header = 2;
  else if (length <= G_MAXUINT16)
    header = 4;
  else
    header = 10;

  frame = g_malloc (header + length);
  frame[0] = 0x80 | opcode;
  if (header == 2)
    {
      frame[1] = length;
    }
  else if (header == 4)
    {
      frame[1] = 126;
      frame[2] = length >> 8;
      frame[3] = length & 0xff;
    }
  else
    {
      frame[1] = 127;
      for (guint i = 0; i < 8; i++)
        frame[2 + i] = ((guint64) length >> (56 - 8 * i)) & 0xff;
    }

  if (length > 0)
    memcpy (frame + header, payload, length);

  return g_bytes_new_take (frame, header + length);
}

/*
 * confab_websocket_encode_text:
 *
 * Frames @payload as one text frame, ready for confab_websocket_send(): encode a broadcast
 * once, send it to every recipient.
 */
GBytes *
confab_websocket_encode_text (GBytes *payload)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (payload, &length);

  return encode_frame (OPCODE_TEXT, data, length);
}

static void
queue_frame (ConfabWebsocket *self,
             GBytes          *frame)
{
  g_queue_push_tail (&self->outq, g_bytes_ref (frame));
  schedule_flush (self);
}

void
confab_websocket_send (ConfabWebsocket *self,
                       GBytes          *frame)
{
  g_return_if_fail (CONFAB_IS_WEBSOCKET (self));

  if (self->state == STATE_OPEN)
    queue_frame (self, frame);
}

void
confab_websocket_send_text (ConfabWebsocket *self,
                            GBytes          *payload)
{
  g_autoptr(GBytes) frame = NULL;

  g_return_if_fail (CONFAB_IS_WEBSOCKET (self));

  if (self->state != STATE_OPEN)
    return;

  frame = confab_websocket_encode_text (payload);
  queue_frame (self, frame);
}

static void
queue_close_frame (ConfabWebsocket *self,
                   gushort          code,
                   const char      *reason)
{
  guint8 payload[125];
  gsize length = 0;
  g_autoptr(GBytes) frame = NULL;

  if (code != 0 && code != CLOSE_NO_STATUS)
    {
      gsize reason_length = reason ? strlen (reason) : 0;
      const char *end = NULL;

      /* A close reason may hold 123 bytes; cut at a character boundary. */
      if (reason_length > 123)
        {
          g_utf8_validate (reason, 123, &end);
          reason_length = end - reason;
        }

      payload[0] = code >> 8;
      payload[1] = code & 0xff;
      if (reason_length > 0)
        memcpy (payload + 2, reason, reason_length);
      length = 2 + reason_length;
    }

  frame = encode_frame (OPCODE_CLOSE, payload, length);
  queue_frame (self, frame);
}

/*
 * confab_websocket_close:
 *
 * Starts the close handshake: what is queued still goes out, then the close frame. The
 * stream is closed once the peer hangs up, or after a short linger.
 */
void
confab_websocket_close (ConfabWebsocket *self,
                        gushort          code,
                        const char      *reason)
{
  g_return_if_fail (CONFAB_IS_WEBSOCKET (self));

  if (self->state != STATE_OPEN)
    return;

  self->state = STATE_CLOSING;
  queue_close_frame (self, code, reason);
  self->linger_id = g_timeout_add_seconds (LINGER_SECONDS, on_linger_over, self);
  emit_closed (self);
}

static void
on_writable (ConfabWebsocket *self)
{
  self->want_write = FALSE;
  watch (self);
  flush (self);
}

/* Writes as much of the queue as the socket takes, with few system calls. */
static void
flush (ConfabWebsocket *self)
{
  g_autoptr(GError) error = NULL;

  while (self->outq.length > 0 && self->state != STATE_CLOSED)
    {
      GOutputVector vectors[WRITE_VECTORS];
      GPollableReturn result;
      gsize n_vectors = 0;
      gsize written = 0;
      GList *l;

      for (l = self->outq.head; l != NULL && n_vectors < WRITE_VECTORS; l = l->next)
        {
          gsize size;
          const guint8 *data = g_bytes_get_data (l->data, &size);
          gsize skip = n_vectors == 0 ? self->out_offset : 0;

          vectors[n_vectors].buffer = data + skip;
          vectors[n_vectors].size = size - skip;
          n_vectors++;
        }

      result = g_pollable_output_stream_writev_nonblocking (self->output, vectors, n_vectors,
                                                            &written, NULL, &error);
      if (result == G_POLLABLE_RETURN_WOULD_BLOCK)
        {
          self->want_write = TRUE;
          watch (self);
          return;
        }

      if (result == G_POLLABLE_RETURN_FAILED)
        {
          g_debug ("Write failed: %s", error->message);
          finish (self);
          return;
        }

      /* Drop what went out: whole frames, then part of the next one. */
      written += self->out_offset;
      self->out_offset = 0;
      while (written > 0)
        {
          GBytes *head = g_queue_peek_head (&self->outq);
          gsize size = g_bytes_get_size (head);

          if (written < size)
            {
              self->out_offset = written;
              break;
            }

          written -= size;
          g_bytes_unref (g_queue_pop_head (&self->outq));
        }
    }
}

static void
fail (ConfabWebsocket *self,
      gushort          code,
      const char      *reason)
{
  g_debug ("Closing a link: %s", reason);
  if (self->state == STATE_OPEN)
    confab_websocket_close (self, code, reason);
}

static void
handle_control (ConfabWebsocket *self,
                guint8           opcode,
                const guint8    *payload,
                gsize            length)
{
  g_autoptr(GBytes) pong = NULL;
  gushort code = CLOSE_NO_STATUS;

  switch (opcode)
    {
    case OPCODE_PING:
      if (self->state == STATE_OPEN)
        {
          pong = encode_frame (OPCODE_PONG, payload, length);
          queue_frame (self, pong);
        }
      break;

    case OPCODE_PONG:
      break;

    case OPCODE_CLOSE:
      if (self->state == STATE_CLOSING)
        {
          /* The peer answered our close: the handshake is over. */
          finish (self);
          return;
        }

      if (length >= 2)
        code = (payload[0] << 8) | payload[1];
      self->state = STATE_CLOSING;
      queue_close_frame (self, code, NULL);
      self->linger_id = g_timeout_add_seconds (LINGER_SECONDS, on_linger_over, self);
      emit_closed (self);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
handle_data (ConfabWebsocket *self,
             gboolean         fin,
             guint8           opcode,
             const guint8    *payload,
             gsize            length)
{
  g_autoptr(GBytes) message = NULL;
  gsize buffered;

  if (opcode == OPCODE_CONTINUATION)
    {
      if (self->fragments_opcode == 0)
        {
          fail (self, CLOSE_PROTOCOL_ERROR, "A continuation frame began no message");
          return;
        }
    }
  else if (self->fragments_opcode != 0)
    {
      fail (self, CLOSE_PROTOCOL_ERROR, "A new message began inside a fragmented one");
      return;
    }
  else
    {
      self->fragments_opcode = opcode;
    }

  buffered = self->fragments ? self->fragments->len : 0;
  if (buffered + length > self->max_payload)
    {
      fail (self, CLOSE_TOO_BIG, "The message is larger than the server accepts");
      return;
    }

  if (fin && buffered == 0)
    message = g_bytes_new (payload, length);
  else
    {
      if (self->fragments == NULL)
        self->fragments = g_byte_array_new ();
      g_byte_array_append (self->fragments, payload, length);
      if (!fin)
        return;
      message = g_bytes_new (self->fragments->data, self->fragments->len);
      g_clear_pointer (&self->fragments, g_byte_array_unref);
    }

  opcode = self->fragments_opcode;
  self->fragments_opcode = 0;

  /* Binary messages are passed on too, for the caller to refuse in its own words. */
  if (self->state == STATE_OPEN)
    g_signal_emit (self, signals[MESSAGE], 0, message, opcode == OPCODE_BINARY);
}

/* Parses every whole frame in the input buffer. Client frames must be masked. */
static void
parse_frames (ConfabWebsocket *self)
{
  while (self->state != STATE_CLOSED && self->inbuf != NULL)
    {
      guint8 *data = self->inbuf->data + self->inbuf_offset;
      gsize available = self->inbuf->len - self->inbuf_offset;
      gboolean fin;
      guint8 opcode;
      guint64 length;
      gsize header = 2;
      guint8 *mask;
      guint8 *payload;

      if (available < 2)
        break;

      fin = (data[0] & 0x80) != 0;
      opcode = data[0] & 0x0f;
      length = data[1] & 0x7f;

      if ((data[0] & 0x70) != 0)
        {
          fail (self, CLOSE_PROTOCOL_ERROR, "Reserved bits are set but no extension was agreed");
          break;
        }
      if ((data[1] & 0x80) == 0)
        {
          fail (self, CLOSE_PROTOCOL_ERROR, "Client frames must be masked");
          break;
        }
      if (opcode >= 0x8 && (!fin || length > 125))
        {
          fail (self, CLOSE_PROTOCOL_ERROR, "A control frame must be whole and short");
          break;
        }
      if (opcode != OPCODE_CONTINUATION && opcode != OPCODE_TEXT && opcode != OPCODE_BINARY &&
          opcode != OPCODE_CLOSE && opcode != OPCODE_PING && opcode != OPCODE_PONG)
        {
          fail (self, CLOSE_PROTOCOL_ERROR, "Unknown frame type");
          break;
        }

      if (length == 126)
        {
          if (available < 4)
            break;
          length = (data[2] << 8) | data[3];
          header = 4;
        }
      else if (length == 127)
        {
          if (available < 10)
            break;
          length = 0;
          for (guint i = 0; i < 8; i++)
            length = (length << 8) | data[2 + i];
          header = 10;
        }

      /* Refused before it is read whole. */
      if (length > self->max_payload)
        {
          fail (self, CLOSE_TOO_BIG, "The message is larger than the server accepts");
          break;
        }

      if (available < header + 4 + length)
        break;

      mask = data + header;
      payload = mask + 4;
      for (gsize i = 0; i < length; i++)
        payload[i] ^= mask[i & 3];

      self->inbuf_offset += header + 4 + length;

      if (opcode >= 0x8)
        handle_control (self, opcode, payload, length);
      else if (self->state == STATE_OPEN)
        handle_data (self, fin, opcode, payload, length);
    }

  /* Keep only what is not parsed yet. */
  if (self->state != STATE_CLOSED && self->inbuf != NULL && self->inbuf_offset > 0)
    {
      g_byte_array_remove_range (self->inbuf, 0, self->inbuf_offset);
      self->inbuf_offset = 0;
    }
}

static void
on_readable (ConfabWebsocket *link)
{
  g_autoptr(ConfabWebsocket) self = g_object_ref (link);
  gsize budget = READ_BUDGET;

  while (budget > 0 && self->state != STATE_CLOSED)
    {
      g_autoptr(GError) error = NULL;
      guint8 chunk[READ_CHUNK];
      gssize n;

      n = g_pollable_input_stream_read_nonblocking (self->input, chunk, sizeof chunk, NULL,
                                                    &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;

      if (n <= 0)
        {
          /* The peer hung up, or the link failed. */
          finish (self);
          break;
        }

      if (self->inbuf == NULL)
        self->inbuf = g_byte_array_sized_new (n);
      g_byte_array_append (self->inbuf, chunk, n);
      budget -= MIN ((gsize) n, budget);
      parse_frames (self);
    }

  /* An idle link keeps no buffer: thousands of them wait at once. */
  if (self->inbuf != NULL && self->inbuf->len == 0)
    g_clear_pointer (&self->inbuf, g_byte_array_unref);
}

static void
confab_websocket_dispose (GObject *object)
{
  ConfabWebsocket *self = CONFAB_WEBSOCKET (object);

  g_queue_clear_full (&self->outq, (GDestroyNotify) g_bytes_unref);

  G_OBJECT_CLASS (confab_websocket_parent_class)->dispose (object);
}

static void
confab_websocket_finalize (GObject *object)
{
  ConfabWebsocket *self = CONFAB_WEBSOCKET (object);

  g_clear_object (&self->stream);
  g_clear_pointer (&self->inbuf, g_byte_array_unref);
  g_clear_pointer (&self->fragments, g_byte_array_unref);
  g_clear_pointer (&self->hub, hub_unref);

  G_OBJECT_CLASS (confab_websocket_parent_class)->finalize (object);
}

static void
confab_websocket_class_init (ConfabWebsocketClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = confab_websocket_dispose;
  object_class->finalize = confab_websocket_finalize;

  signals[MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_BYTES, G_TYPE_BOOLEAN);

  signals[CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
confab_websocket_init (ConfabWebsocket *self)
{
  g_queue_init (&self->outq);
}

/*
 * confab_websocket_new:
 * @stream: the connection libsoup handed over after the handshake
 * @fd: its socket, for the hub's epoll set
 *
 * The link keeps itself alive while it is open; the caller's reference is its own. It reads
 * nothing until confab_websocket_start().
 */
ConfabWebsocket *
confab_websocket_new (GIOStream          *stream,
                      int                 fd,
                      ConfabWebsocketHub *hub,
                      gsize               max_payload)
{
  ConfabWebsocket *self = g_object_new (CONFAB_TYPE_WEBSOCKET, NULL);

  self->stream = g_object_ref (stream);
  self->input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  self->output = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream));
  self->fd = fd;
  self->hub = hub_ref (hub);
  self->max_payload = max_payload;

  /* The reference the open link holds on itself, dropped by finish(). */
  return g_object_ref (self);
}

/*
 * confab_websocket_start:
 *
 * Starts reading, once the caller listens for "message" and "closed". Whatever libsoup read
 * past the handshake is taken at once.
 */
void
confab_websocket_start (ConfabWebsocket *self)
{
  struct epoll_event event = { 0 };

  g_return_if_fail (CONFAB_IS_WEBSOCKET (self));
  g_return_if_fail (!self->registered);

  event.events = EPOLLIN;
  event.data.ptr = self;
  if (epoll_ctl (self->hub->epoll_fd, EPOLL_CTL_ADD, self->fd, &event) != 0)
    {
      g_debug ("Could not watch a link: %s", g_strerror (errno));
      finish (self);
      return;
    }

  self->registered = TRUE;
  on_readable (self);
}
