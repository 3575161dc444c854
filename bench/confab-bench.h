/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* confab-bench: a load generator for confab-server. One thread, one epoll set, and a minimal
 * WebSocket client of its own, so that the cost per message on the bench's side stays far
 * below the server's and the figures measure the relay. */

#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef struct _BenchConn BenchConn;
typedef struct _BenchFlow BenchFlow;
typedef struct _BenchLoop BenchLoop;

typedef enum {
  BENCH_CONN_IDLE,       /* no socket */
  BENCH_CONN_CONNECTING, /* TCP connect and HTTP upgrade in progress */
  BENCH_CONN_JOINING,    /* "connect" sent, waiting for "connected" */
  BENCH_CONN_JOINED,
  BENCH_CONN_FAILED,
} BenchConnState;

/* What a connection does with the frames that concern the scenario. The generic parts
 * (connected, acks, accepted) are handled before these are called. */
typedef struct {
  void (*joined) (BenchConn *conn, gboolean resumed);
  void (*signal) (BenchConn *conn, const char *data, gsize length);
} BenchConnHandler;

struct _BenchConn
{
  BenchLoop              *loop;
  const BenchConnHandler *handler;
  gpointer                user_data;
  guint                   index;      /* within its scenario */
  int                     fd;
  BenchConnState          state;

  /* A partial frame carried over between reads; NULL while there is none. */
  guint8                 *in;
  gsize                   in_length;
  gsize                   in_size;

  /* Frames waiting to be written: flushed once per loop turn, with one write() call. */
  guint8                 *out;
  gsize                   out_length;
  gsize                   out_size;
  gboolean                queued;      /* in the loop's flush list */
  gboolean                want_out;    /* EPOLLOUT registered: the socket was full */

  guint32                 mask_state;
  gboolean                upgraded;   /* the HTTP upgrade answer was read */
  char                    accept[32]; /* the Sec-WebSocket-Accept the server must send */
  const char             *token;      /* owned by the scenario */
  char                    id[65];
  char                    resume_key[65];
  gboolean                resume;     /* the next connect resumes id with resume_key */

  gint64                  last_sent;  /* monotonic µs of the last frame queued */
  guint64                 seq;        /* last event seq seen */
  guint64                 acked;      /* last seq acknowledged */
  guint64                 next_signal_id;
  guint64                 n_accepted;
  guint64                 n_errors;
  gboolean                resumed;    /* the last "connected" said resumed:true */

  /* Receivers: the next signal index expected from each sender of the flow. */
  guint32                *expect;
  guint64                 n_signals;
  guint64                 n_out_of_order;
};

struct _BenchLoop
{
  int         epoll_fd;
  guint16     port;
  GPtrArray  *flush;        /* of BenchConn with frames to write */
  guint8     *read_buffer;
  gsize       read_size;
  gint64      now;          /* monotonic µs, refreshed every turn */
  guint       n_connecting; /* connections between connect() and "connected" */
  guint       n_failed;
  char       *first_error;  /* the first failure seen, for the report */
  GPtrArray  *conns;        /* every connection ever opened on this loop, for keepalives */
  gint64      next_keepalive;
  void      (*tick) (BenchLoop *loop, gpointer user_data);
  gpointer    tick_data;
};

/* confab-bench-ws.c */
void      bench_loop_init        (BenchLoop  *loop,
                                  guint16     port);
void      bench_loop_clear       (BenchLoop  *loop);
void      bench_loop_fail        (BenchLoop  *loop,
                                  const char *format,
                                  ...) G_GNUC_PRINTF (2, 3);
/* Runs until done() returns TRUE or the deadline (monotonic µs) passes; FALSE on timeout. */
gboolean  bench_loop_run         (BenchLoop  *loop,
                                  gboolean  (*done) (gpointer user_data),
                                  gpointer    user_data,
                                  gint64      deadline);

void      bench_conn_init        (BenchConn  *conn,
                                  BenchLoop  *loop,
                                  guint       index,
                                  const char *token,
                                  const BenchConnHandler *handler,
                                  gpointer    user_data);
void      bench_conn_clear       (BenchConn  *conn);
void      bench_conn_send_ping   (BenchConn  *conn);
gboolean  bench_conn_open        (BenchConn  *conn);
/* Closes the socket at once with a reset, as a network that fails does. */
void      bench_conn_cut         (BenchConn  *conn);
void      bench_conn_send_signal (BenchConn  *conn,
                                  const char *to,
                                  const char *prefix,
                                  gsize       prefix_length,
                                  const char *padding,
                                  gsize       data_length);
void      bench_conn_send_ack    (BenchConn  *conn);
void      bench_conn_flush       (BenchConn  *conn);
void      bench_loop_flush       (BenchLoop  *loop);
gsize     bench_format_uint      (char       *buffer,
                                  guint64     value);

/* confab-bench-server.c */
typedef struct {
  GPid     pid;
  guint16  port;
  int      stdout_fd;
} BenchServer;

gboolean  bench_server_start     (BenchServer *server,
                                  const char  *path,
                                  int          cpu,
                                  GError     **error);
void      bench_server_stop      (BenchServer *server);
/* User plus system CPU time, in seconds. */
double    bench_server_cpu_time  (BenchServer *server);
/* Resident memory, in KiB. */
guint64   bench_server_rss       (BenchServer *server);
void      bench_raise_fd_limit   (void);

#define BENCH_API_KEY "bench"
#define BENCH_API_SECRET "bench-secret-not-for-production"

G_END_DECLS
