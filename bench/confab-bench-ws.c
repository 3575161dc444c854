/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "confab-bench"

/* The bench's WebSocket client: HTTP upgrade with the confab.v1 subprotocol, masked client
 * frames, unmasked server frames, and Confab's frames found by scanning for the few fields
 * the bench needs. Frames are built in place in each connection's output buffer and written
 * with one write() per connection per loop turn; nothing is allocated per message. */

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "confab-bench.h"

#define READ_SIZE (256 * 1024)
#define ACK_EVERY 64
#define MAX_EVENTS 1024
/* Well inside the server's idle timeout (45 s by default), as a real client pings. */
#define KEEPALIVE_USEC (15 * G_USEC_PER_SEC)

static gint64
monotonic_usec (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

void
bench_loop_init (BenchLoop *loop,
                 guint16    port)
{
  memset (loop, 0, sizeof *loop);
  loop->epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  if (loop->epoll_fd < 0)
    g_error ("epoll_create1: %s", g_strerror (errno));
  loop->port = port;
  loop->flush = g_ptr_array_new ();
  loop->conns = g_ptr_array_new ();
  loop->read_size = READ_SIZE;
  loop->read_buffer = g_malloc (loop->read_size);
  loop->now = monotonic_usec ();
}

void
bench_loop_clear (BenchLoop *loop)
{
  if (loop->epoll_fd >= 0)
    close (loop->epoll_fd);
  loop->epoll_fd = -1;
  g_clear_pointer (&loop->flush, g_ptr_array_unref);
  g_clear_pointer (&loop->conns, g_ptr_array_unref);
  g_clear_pointer (&loop->read_buffer, g_free);
  g_clear_pointer (&loop->first_error, g_free);
}

void
bench_loop_fail (BenchLoop  *loop,
                 const char *format,
                 ...)
{
  va_list args;

  loop->n_failed++;
  if (loop->first_error != NULL)
    return;

  va_start (args, format);
  loop->first_error = g_strdup_vprintf (format, args);
  va_end (args);
}

static void
conn_fail (BenchConn  *conn,
           const char *what,
           const char *detail,
           gsize       detail_length)
{
  if (conn->state == BENCH_CONN_FAILED)
    return;

  bench_loop_fail (conn->loop, "connection %u: %s%s%.*s", conn->index, what,
                   detail ? ": " : "", (int) MIN (detail_length, 300), detail ? detail : "");
  if (conn->state == BENCH_CONN_CONNECTING || conn->state == BENCH_CONN_JOINING)
    conn->loop->n_connecting--;
  conn->state = BENCH_CONN_FAILED;
  if (conn->fd >= 0)
    close (conn->fd);
  conn->fd = -1;
  conn->out_length = 0;
  conn->in_length = 0;
}

void
bench_conn_init (BenchConn              *conn,
                 BenchLoop              *loop,
                 guint                   index,
                 const char             *token,
                 const BenchConnHandler *handler,
                 gpointer                user_data)
{
  memset (conn, 0, sizeof *conn);
  conn->loop = loop;
  conn->index = index;
  conn->token = token;
  conn->handler = handler;
  conn->user_data = user_data;
  conn->fd = -1;
  conn->mask_state = g_random_int () | 1;
}

void
bench_conn_clear (BenchConn *conn)
{
  if (conn->fd >= 0)
    bench_conn_cut (conn);
  if (conn->loop->conns != NULL)
    g_ptr_array_remove_fast (conn->loop->conns, conn);
  g_clear_pointer (&conn->in, g_free);
  g_clear_pointer (&conn->out, g_free);
  g_clear_pointer (&conn->expect, g_free);
}

/* Room for @extra more bytes of output. Buffers only grow, so the steady state allocates
 * nothing. */
static guint8 *
conn_reserve (BenchConn *conn,
              gsize      extra)
{
  if (conn->out_length + extra > conn->out_size)
    {
      gsize size = MAX (conn->out_size * 2, 2048);

      while (size < conn->out_length + extra)
        size *= 2;
      conn->out = g_realloc (conn->out, size);
      conn->out_size = size;
    }

  return conn->out + conn->out_length;
}

static void
conn_queue_flush (BenchConn *conn)
{
  if (!conn->queued)
    {
      conn->queued = TRUE;
      g_ptr_array_add (conn->loop->flush, conn);
    }
}

static void
conn_watch (BenchConn *conn,
            gboolean   want_out)
{
  struct epoll_event event = {
    .events = EPOLLIN | (want_out ? EPOLLOUT : 0),
    .data.ptr = conn,
  };

  if (conn->want_out == want_out)
    return;
  conn->want_out = want_out;
  epoll_ctl (conn->loop->epoll_fd, EPOLL_CTL_MOD, conn->fd, &event);
}

/* One write() for everything queued; what the socket does not take waits for EPOLLOUT. */
static void
conn_flush (BenchConn *conn)
{
  ssize_t written;

  if (conn->fd < 0 || conn->out_length == 0)
    return;

  written = write (conn->fd, conn->out, conn->out_length);
  if (written < 0)
    {
      if (errno == EAGAIN || errno == EINTR || errno == ENOTCONN)
        conn_watch (conn, TRUE);
      else
        conn_fail (conn, "write failed", g_strerror (errno), strlen (g_strerror (errno)));
      return;
    }

  if ((gsize) written < conn->out_length)
    {
      memmove (conn->out, conn->out + written, conn->out_length - written);
      conn->out_length -= written;
      conn_watch (conn, TRUE);
      return;
    }

  conn->out_length = 0;
  conn_watch (conn, FALSE);
}

void
bench_conn_flush (BenchConn *conn)
{
  conn_flush (conn);
}

void
bench_loop_flush (BenchLoop *loop)
{
  for (guint i = 0; i < loop->flush->len; i++)
    {
      BenchConn *conn = g_ptr_array_index (loop->flush, i);

      conn->queued = FALSE;
      conn_flush (conn);
    }
  g_ptr_array_set_size (loop->flush, 0);
}

/* Client frames must be masked (RFC 6455 §5.3): a fresh key per frame from a cheap
 * generator, applied eight bytes at a time. */
static void
mask_payload (guint8  *payload,
              gsize    length,
              guint32  key)
{
  guint64 key64 = ((guint64) key << 32) | key;
  gsize i = 0;

  for (; i + 8 <= length; i += 8)
    {
      guint64 word;

      memcpy (&word, payload + i, 8);
      word ^= key64;
      memcpy (payload + i, &word, 8);
    }
  for (; i < length; i++)
    payload[i] ^= ((const guint8 *) &key)[i & 3];
}

static guint32
next_mask (BenchConn *conn)
{
  guint32 x = conn->mask_state;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  conn->mask_state = x;
  return x;
}

/* Writes a frame header for a text frame of @length bytes; returns where the payload goes. */
static guint8 *
frame_begin (BenchConn *conn,
             gsize      length,
             guint32   *key)
{
  guint8 *p = conn_reserve (conn, length + 14);

  *p++ = 0x81; /* FIN, text */
  if (length < 126)
    *p++ = 0x80 | length;
  else if (length <= G_MAXUINT16)
    {
      *p++ = 0x80 | 126;
      *p++ = length >> 8;
      *p++ = length & 0xff;
    }
  else
    {
      *p++ = 0x80 | 127;
      for (int shift = 56; shift >= 0; shift -= 8)
        *p++ = ((guint64) length >> shift) & 0xff;
    }

  *key = next_mask (conn);
  memcpy (p, key, 4);
  return p + 4;
}

static void
frame_end (BenchConn *conn,
           guint8    *payload,
           gsize      length,
           guint32    key)
{
  mask_payload (payload, length, key);
  conn->out_length = (payload + length) - conn->out;
  conn->last_sent = conn->loop->now;
  conn_queue_flush (conn);
}

static void
send_text (BenchConn  *conn,
           const char *text,
           gsize       length)
{
  guint32 key;
  guint8 *payload = frame_begin (conn, length, &key);

  memcpy (payload, text, length);
  frame_end (conn, payload, length, key);
}

gsize
bench_format_uint (char    *buffer,
             guint64  value)
{
  char digits[24];
  gsize n = 0;

  do
    {
      digits[n++] = '0' + value % 10;
      value /= 10;
    }
  while (value > 0);

  for (gsize i = 0; i < n; i++)
    buffer[i] = digits[n - 1 - i];
  return n;
}

#define APPEND(p, literal) \
  (memcpy ((p), (literal), sizeof (literal) - 1), (p) += sizeof (literal) - 1)

/* {"op":"signal","id":N,"type":"b","data":"PREFIX+PADDING"[,"to":"ID"]}: the data is
 * @data_length bytes, @prefix first and then as much of @padding as it takes. */
void
bench_conn_send_signal (BenchConn  *conn,
                        const char *to,
                        const char *prefix,
                        gsize       prefix_length,
                        const char *padding,
                        gsize       data_length)
{
  static const char head[] = "{\"op\":\"signal\",\"id\":";
  static const char middle[] = ",\"type\":\"b\",\"data\":\"";
  static const char to_field[] = "\",\"to\":\"";
  char id_text[24];
  gsize id_length = bench_format_uint (id_text, ++conn->next_signal_id);
  gsize to_length = to ? strlen (to) : 0;
  gsize length = (sizeof head - 1) + id_length + (sizeof middle - 1) + data_length + 2 +
                 (to ? (sizeof to_field - 1) + to_length : 0);
  guint32 key;
  guint8 *payload = frame_begin (conn, length, &key);
  guint8 *p = payload;

  APPEND (p, head);
  memcpy (p, id_text, id_length);
  p += id_length;
  APPEND (p, middle);
  memcpy (p, prefix, prefix_length);
  p += prefix_length;
  memcpy (p, padding, data_length - prefix_length);
  p += data_length - prefix_length;
  if (to != NULL)
    {
      APPEND (p, to_field);
      memcpy (p, to, to_length);
      p += to_length;
    }
  *p++ = '"';
  *p++ = '}';
  g_assert ((gsize) (p - payload) == length);
  frame_end (conn, payload, length, key);
}

void
bench_conn_send_ack (BenchConn *conn)
{
  char text[64] = "{\"op\":\"ack\",\"received\":";
  gsize length = strlen (text);

  length += bench_format_uint (text + length, conn->seq);
  text[length++] = '}';
  conn->acked = conn->seq;
  send_text (conn, text, length);
}

void
bench_conn_send_ping (BenchConn *conn)
{
  static const char ping[] = "{\"op\":\"ping\"}";

  send_text (conn, ping, sizeof ping - 1);
}

static void
send_connect (BenchConn *conn)
{
  g_autoptr(GString) text = g_string_new ("{\"op\":\"connect\",\"token\":\"");

  g_string_append (text, conn->token);
  g_string_append_c (text, '"');
  if (conn->resume)
    g_string_append_printf (text, ",\"resume\":{\"connection_id\":\"%s\",\"key\":\"%s\","
                            "\"received\":%" G_GUINT64_FORMAT "}",
                            conn->id, conn->resume_key, conn->seq);
  g_string_append_c (text, '}');
  send_text (conn, text->str, text->len);
}

gboolean
bench_conn_open (BenchConn *conn)
{
  struct sockaddr_in address = {
    .sin_family = AF_INET,
    .sin_port = htons (conn->loop->port),
    .sin_addr.s_addr = htonl (INADDR_LOOPBACK),
  };
  struct epoll_event event = { .events = EPOLLIN | EPOLLOUT, .data.ptr = conn };
  guint8 nonce[16];
  g_autofree char *key = NULL;
  g_autofree char *accept_source = NULL;
  g_autofree char *accept = NULL;
  g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize digest_length = sizeof digest;
  g_autofree char *request = NULL;
  int one = 1;
  int fd;

  g_return_val_if_fail (conn->fd < 0, FALSE);

  if (!g_ptr_array_find (conn->loop->conns, conn, NULL))
    g_ptr_array_add (conn->loop->conns, conn);

  fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      conn_fail (conn, "socket() failed", g_strerror (errno), strlen (g_strerror (errno)));
      return FALSE;
    }
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  conn->fd = fd;
  conn->state = BENCH_CONN_CONNECTING;
  conn->loop->n_connecting++;
  conn->upgraded = FALSE;
  conn->in_length = 0;
  conn->out_length = 0;
  conn->want_out = TRUE;

  if (connect (fd, (struct sockaddr *) &address, sizeof address) < 0 && errno != EINPROGRESS)
    {
      conn_fail (conn, "connect() failed", g_strerror (errno), strlen (g_strerror (errno)));
      return FALSE;
    }
  epoll_ctl (conn->loop->epoll_fd, EPOLL_CTL_ADD, fd, &event);

  for (guint i = 0; i < sizeof nonce; i++)
    nonce[i] = g_random_int_range (0, 256);
  key = g_base64_encode (nonce, sizeof nonce);
  accept_source = g_strconcat (key, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", NULL);
  g_checksum_update (sha1, (const guint8 *) accept_source, -1);
  g_checksum_get_digest (sha1, digest, &digest_length);
  accept = g_base64_encode (digest, digest_length);
  g_strlcpy (conn->accept, accept, sizeof conn->accept);

  request = g_strdup_printf ("GET /v1/ws HTTP/1.1\r\n"
                             "Host: 127.0.0.1:%u\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Key: %s\r\n"
                             "Sec-WebSocket-Version: 13\r\n"
                             "Sec-WebSocket-Protocol: confab.v1\r\n"
                             "\r\n",
                             conn->loop->port, key);
  memcpy (conn_reserve (conn, strlen (request)), request, strlen (request));
  conn->out_length += strlen (request);
  return TRUE;
}

void
bench_conn_cut (BenchConn *conn)
{
  struct linger linger = { .l_onoff = 1, .l_linger = 0 };

  if (conn->fd < 0)
    return;

  setsockopt (conn->fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
  close (conn->fd);
  conn->fd = -1;
  if (conn->state == BENCH_CONN_CONNECTING || conn->state == BENCH_CONN_JOINING)
    conn->loop->n_connecting--;
  if (conn->state != BENCH_CONN_FAILED)
    conn->state = BENCH_CONN_IDLE;
  conn->in_length = 0;
  conn->out_length = 0;
  conn->want_out = FALSE;
}

/* Reads the unsigned number at @p, stopping at the first non-digit. */
static guint64
scan_uint (const char *p,
           const char *end)
{
  guint64 value = 0;

  while (p < end && *p >= '0' && *p <= '9')
    value = value * 10 + (*p++ - '0');
  return value;
}

/* Copies the JSON string that starts after @field (such as `"id":"`) into @out. */
static gboolean
scan_string (const char *text,
             const char *end,
             const char *field,
             char       *out,
             gsize       out_size)
{
  const char *p = memmem (text, end - text, field, strlen (field));
  const char *close;

  if (p == NULL)
    return FALSE;
  p += strlen (field);
  close = memchr (p, '"', end - p);
  if (close == NULL || (gsize) (close - p) >= out_size)
    return FALSE;
  memcpy (out, p, close - p);
  out[close - p] = '\0';
  return TRUE;
}

static void
note_event (BenchConn *conn,
            guint64    seq)
{
  conn->seq = seq;
  if (conn->seq - conn->acked >= ACK_EVERY)
    bench_conn_send_ack (conn);
}

#define HAS_OP(op, literal) \
  ((gsize) (end - (op)) > sizeof (literal) && memcmp ((op), literal "\"", sizeof (literal)) == 0)

static void
handle_text (BenchConn  *conn,
             const char *text,
             gsize       length)
{
  const char *end = text + length;
  const char *op = text + 7;

  if (length < 9 || memcmp (text, "{\"op\":\"", 7) != 0)
    {
      conn_fail (conn, "unexpected frame", text, length);
      return;
    }

  if (HAS_OP (op, "signal"))
    {
      /* {"op":"signal","seq":N,"type":"…","data":"…","from":… */
      const char *p = op + sizeof "signal\",\"seq\":" - 1;
      const char *data;
      const char *close;

      note_event (conn, scan_uint (p, end));
      data = memmem (p, MIN ((gsize) (end - p), 200), "\"data\":\"", 8);
      if (data == NULL)
        {
          conn_fail (conn, "signal without data", text, length);
          return;
        }
      data += 8;
      close = memchr (data, '"', end - data);
      if (close == NULL)
        {
          conn_fail (conn, "signal with unterminated data", text, length);
          return;
        }
      conn->n_signals++;
      if (conn->handler != NULL && conn->handler->signal != NULL)
        conn->handler->signal (conn, data, close - data);
    }
  else if (HAS_OP (op, "accepted"))
    {
      conn->n_accepted++;
    }
  else if (HAS_OP (op, "connection-created") || HAS_OP (op, "connection-destroyed"))
    {
      const char *p = memchr (op, '"', end - op);

      if (p == NULL || end - p < 8 || memcmp (p, "\",\"seq\":", 8) != 0)
        conn_fail (conn, "event without seq", text, length);
      else
        note_event (conn, scan_uint (p + 8, end));
    }
  else if (HAS_OP (op, "connected"))
    {
      const char *resume_key;
      const char *seq;

      if (!scan_string (text, end, "\"connection\":{\"id\":\"", conn->id, sizeof conn->id) ||
          !scan_string (text, end, "\"resume_key\":\"", conn->resume_key,
                        sizeof conn->resume_key))
        {
          conn_fail (conn, "connected frame without id or resume key", text, length);
          return;
        }
      resume_key = memmem (text, length, "\"resume_key\":", 13);
      seq = memmem (resume_key, end - resume_key, "\"seq\":", 6);
      conn->resumed = memmem (text, length, "\"resumed\":true", 14) != NULL;
      if (seq == NULL)
        {
          conn_fail (conn, "connected frame without seq", text, length);
          return;
        }
      conn->seq = scan_uint (seq + 6, end);
      conn->acked = conn->seq;
      conn->state = BENCH_CONN_JOINED;
      conn->loop->n_connecting--;
      if (conn->handler != NULL && conn->handler->joined != NULL)
        conn->handler->joined (conn, conn->resumed);
    }
  else if (HAS_OP (op, "pong"))
    {
    }
  else if (HAS_OP (op, "error"))
    {
      conn->n_errors++;
      bench_loop_fail (conn->loop, "connection %u: server error: %.*s", conn->index,
                       (int) MIN (length, 300), text);
    }
  else
    {
      g_autofree char *what =
        g_strdup_printf ("server frame (the bench had seen seq %" G_GUINT64_FORMAT
                         " and acknowledged up to %" G_GUINT64_FORMAT ")", conn->seq, conn->acked);

      conn_fail (conn, what, text, length);
    }
}

/* Handles every complete frame in @data; returns how many bytes it used. */
static gsize
handle_frames (BenchConn    *conn,
               const guint8 *data,
               gsize         length)
{
  gsize used = 0;

  while (length - used >= 2 && conn->fd >= 0)
    {
      const guint8 *p = data + used;
      guint opcode = p[0] & 0x0f;
      guint64 payload_length = p[1] & 0x7f;
      gsize header = 2;

      if (p[1] & 0x80)
        {
          conn_fail (conn, "the server masked a frame", NULL, 0);
          break;
        }
      if (payload_length == 126)
        {
          if (length - used < 4)
            break;
          payload_length = ((guint) p[2] << 8) | p[3];
          header = 4;
        }
      else if (payload_length == 127)
        {
          if (length - used < 10)
            break;
          payload_length = 0;
          for (int i = 2; i < 10; i++)
            payload_length = (payload_length << 8) | p[i];
          header = 10;
        }
      if (length - used - header < payload_length)
        break;

      if (!(p[0] & 0x80) || opcode == 0x0)
        conn_fail (conn, "fragmented frames are not expected from the server", NULL, 0);
      else if (opcode == 0x1)
        handle_text (conn, (const char *) p + header, payload_length);
      else if (opcode == 0x8)
        {
          guint code = payload_length >= 2 ? ((guint) p[header] << 8) | p[header + 1] : 0;
          g_autofree char *what = g_strdup_printf ("the server closed the link (code %u)", code);

          conn_fail (conn, what, payload_length > 2 ? (const char *) p + header + 2 : NULL,
                     payload_length > 2 ? payload_length - 2 : 0);
        }
      else if (opcode == 0x9)
        {
          /* Pong with the same payload. */
          guint32 key;
          guint8 *reply;

          reply = frame_begin (conn, payload_length, &key);
          reply[-6] = 0x8a;
          memcpy (reply, p + header, payload_length);
          frame_end (conn, reply, payload_length, key);
        }

      used += header + payload_length;
    }

  return used;
}

static void
handle_upgrade (BenchConn *conn)
{
  const char *text = (const char *) conn->in;
  const char *end;
  gsize head_length;
  g_autofree char *expected = NULL;

  end = memmem (text, conn->in_length, "\r\n\r\n", 4);
  if (end == NULL)
    {
      if (conn->in_length > 8192)
        conn_fail (conn, "the upgrade answer is too long", text, conn->in_length);
      return;
    }
  head_length = end + 4 - text;

  expected = g_strdup_printf ("Sec-WebSocket-Accept: %s\r\n", conn->accept);
  if (conn->in_length < 12 || memcmp (text, "HTTP/1.1 101", 12) != 0 ||
      memmem (text, head_length, expected, strlen (expected)) == NULL ||
      memmem (text, head_length, "confab.v1", 9) == NULL)
    {
      conn_fail (conn, "the upgrade was refused", text, head_length);
      return;
    }

  conn->upgraded = TRUE;
  conn->state = BENCH_CONN_JOINING;
  memmove (conn->in, conn->in + head_length, conn->in_length - head_length);
  conn->in_length -= head_length;
  send_connect (conn);
}

static void
conn_keep (BenchConn    *conn,
           const guint8 *data,
           gsize         length)
{
  if (length > conn->in_size)
    {
      conn->in_size = MAX (length, 4096);
      conn->in = g_realloc (conn->in, conn->in_size);
    }
  memmove (conn->in, data, length);
  conn->in_length = length;
}

static void
conn_read (BenchConn *conn)
{
  BenchLoop *loop = conn->loop;
  ssize_t n;

  for (;;)
    {
      if (conn->fd < 0)
        return;

      /* Usually nothing is left over, and frames are handled straight from the shared
       * buffer; a partial frame is copied aside and the next read appends to it. */
      if (conn->in_length == 0 && conn->upgraded)
        {
          gsize used;

          n = read (conn->fd, loop->read_buffer, loop->read_size);
          if (n <= 0)
            goto closed;
          used = handle_frames (conn, loop->read_buffer, n);
          if (conn->fd >= 0 && used < (gsize) n)
            conn_keep (conn, loop->read_buffer + used, n - used);
        }
      else
        {
          gsize used;

          if (conn->in_size - conn->in_length < 65536)
            {
              conn->in_size = MAX (conn->in_size * 2, conn->in_length + 65536);
              conn->in = g_realloc (conn->in, conn->in_size);
            }
          n = read (conn->fd, conn->in + conn->in_length, conn->in_size - conn->in_length);
          if (n <= 0)
            goto closed;
          conn->in_length += n;
          if (!conn->upgraded)
            {
              handle_upgrade (conn);
              if (!conn->upgraded || conn->in_length == 0)
                return;
            }
          used = handle_frames (conn, conn->in, conn->in_length);
          if (conn->fd >= 0)
            {
              memmove (conn->in, conn->in + used, conn->in_length - used);
              conn->in_length -= used;
            }
        }

      if ((gsize) n < loop->read_size / 2)
        return;
    }

closed:
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  conn_fail (conn, n == 0 ? "the server closed the socket" : "read failed",
             n < 0 ? g_strerror (errno) : NULL, n < 0 ? strlen (g_strerror (errno)) : 0);
}

gboolean
bench_loop_run (BenchLoop  *loop,
                gboolean  (*done) (gpointer user_data),
                gpointer    user_data,
                gint64      deadline)
{
  struct epoll_event events[MAX_EVENTS];

  for (;;)
    {
      int n;

      loop->now = monotonic_usec ();
      if (done (user_data))
        return TRUE;
      if (loop->now >= deadline)
        return FALSE;

      /* A 1 ms timeout at most keeps rate-limited senders and deadlines on time. */
      n = epoll_wait (loop->epoll_fd, events, MAX_EVENTS, loop->tick ? 1 : 10);
      if (n < 0 && errno != EINTR)
        g_error ("epoll_wait: %s", g_strerror (errno));
      loop->now = monotonic_usec ();

      for (int i = 0; i < n; i++)
        {
          BenchConn *conn = events[i].data.ptr;

          if (conn->fd < 0)
            continue;
          if (events[i].events & EPOLLOUT)
            conn_flush (conn);
          if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            conn_read (conn);
        }

      if (loop->tick != NULL)
        loop->tick (loop, loop->tick_data);

      if (loop->now >= loop->next_keepalive)
        {
          for (guint i = 0; i < loop->conns->len; i++)
            {
              BenchConn *conn = g_ptr_array_index (loop->conns, i);

              if (conn->state == BENCH_CONN_JOINED && conn->fd >= 0 &&
                  loop->now - conn->last_sent > KEEPALIVE_USEC)
                bench_conn_send_ping (conn);
            }
          loop->next_keepalive = loop->now + G_USEC_PER_SEC;
        }

      bench_loop_flush (loop);
    }
}
