/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-websocket"

#include "config.h"

#include <string.h>

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

/* Connections with frames waiting, written out together once per main-loop turn. */
struct _ConfabWriteScheduler
{
  gatomicrefcount  ref_count;
  GPtrArray       *dirty;
  guint            flush_id;
};

struct _ConfabWebsocket
{
  GObject                parent_instance;

  GIOStream             *stream;
  GPollableInputStream  *input;
  GPollableOutputStream *output;
  ConfabWriteScheduler  *scheduler;
  gsize                  max_payload;

  GByteArray            *inbuf;
  gsize                  inbuf_offset;
  GByteArray            *fragments;
  guint8                 fragments_opcode;
  GSource               *read_source;

  GQueue                 outq;        /* of GBytes, whole frames */
  gsize                  out_offset;  /* bytes of the head frame already written */
  GSource               *write_source;
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

static ConfabWriteScheduler *
scheduler_ref (ConfabWriteScheduler *scheduler)
{
  g_atomic_ref_count_inc (&scheduler->ref_count);
  return scheduler;
}

static void
scheduler_unref (ConfabWriteScheduler *scheduler)
{
  if (!g_atomic_ref_count_dec (&scheduler->ref_count))
    return;

  g_clear_handle_id (&scheduler->flush_id, g_source_remove);
  g_ptr_array_unref (scheduler->dirty);
  g_free (scheduler);
}

ConfabWriteScheduler *
confab_write_scheduler_new (void)
{
  ConfabWriteScheduler *scheduler = g_new0 (ConfabWriteScheduler, 1);

  g_atomic_ref_count_init (&scheduler->ref_count);
  scheduler->dirty = g_ptr_array_new_with_free_func (g_object_unref);
  return scheduler;
}

void
confab_write_scheduler_free (ConfabWriteScheduler *scheduler)
{
  scheduler_unref (scheduler);
}

static gboolean
on_flush_all (gpointer user_data)
{
  ConfabWriteScheduler *scheduler = user_data;
  g_autoptr(GPtrArray) dirty = scheduler->dirty;

  scheduler->flush_id = 0;
  scheduler->dirty = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < dirty->len; i++)
    {
      ConfabWebsocket *self = g_ptr_array_index (dirty, i);

      self->dirty = FALSE;
      flush (self);
    }

  return G_SOURCE_REMOVE;
}

static void
schedule_flush (ConfabWebsocket *self)
{
  ConfabWriteScheduler *scheduler = self->scheduler;

  if (self->dirty || self->write_source != NULL)
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
  if (self->read_source != NULL)
    {
      g_source_destroy (self->read_source);
      g_clear_pointer (&self->read_source, g_source_unref);
    }
  if (self->write_source != NULL)
    {
      g_source_destroy (self->write_source);
      g_clear_pointer (&self->write_source, g_source_unref);
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

gboolean
confab_websocket_is_open (ConfabWebsocket *self)
{
  g_return_val_if_fail (CONFAB_IS_WEBSOCKET (self), FALSE);

  return self->state == STATE_OPEN;
}

static gboolean
on_writable (GObject *stream,
             gpointer user_data)
{
  ConfabWebsocket *self = user_data;

  g_clear_pointer (&self->write_source, g_source_unref);
  flush (self);
  return G_SOURCE_REMOVE;
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
          self->write_source = g_pollable_output_stream_create_source (self->output, NULL);
          g_source_set_callback (self->write_source, G_SOURCE_FUNC (on_writable), self, NULL);
          g_source_attach (self->write_source, g_main_context_get_thread_default ());
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

static gboolean
on_readable (GObject *stream,
             gpointer user_data)
{
  g_autoptr(ConfabWebsocket) self = g_object_ref (user_data);
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

  return self->state == STATE_CLOSED ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
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
  g_clear_pointer (&self->scheduler, scheduler_unref);

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
 *
 * The link keeps itself alive while it is open; the caller's reference is its own.
 */
ConfabWebsocket *
confab_websocket_new (GIOStream            *stream,
                      ConfabWriteScheduler *scheduler,
                      gsize                 max_payload)
{
  ConfabWebsocket *self = g_object_new (CONFAB_TYPE_WEBSOCKET, NULL);

  self->stream = g_object_ref (stream);
  self->input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  self->output = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream));
  self->scheduler = scheduler_ref (scheduler);
  self->max_payload = max_payload;

  self->read_source = g_pollable_input_stream_create_source (self->input, NULL);
  g_source_set_callback (self->read_source, G_SOURCE_FUNC (on_readable), self, NULL);
  g_source_attach (self->read_source, g_main_context_get_thread_default ());

  /* The reference the open link holds on itself, dropped by finish(). */
  return g_object_ref (self);
}
