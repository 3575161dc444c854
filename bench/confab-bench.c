/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "confab-bench"

/* confab-bench: the scenarios of issue 6 (latency, fan-out, many senders, idle connections,
 * reconnect storm) against a confab-server it runs itself, with a table on stdout and the
 * same figures as JSON. Every throughput figure comes with a count that proves each
 * receiver got each signal exactly once and in order; --quick checks only those counts. */

#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "confab.h"
#include "confab-bench.h"

#ifndef CONFAB_BENCH_DEFAULT_SERVER
# define CONFAB_BENCH_DEFAULT_SERVER "confab-server"
#endif

#define MAX_DATA_LENGTH 1024
/* Deliveries in flight at once across a flow's senders: enough to keep the server busy.
 * Each receiver also has at most RECEIVER_BUDGET signals in flight, far below the server's
 * unacknowledged-event limit (8192): the server reads a receiver's acks only after the
 * signals that receiver sent before them, so its count runs behind the bench's. */
#define FLOW_BUDGET 65536
#define RECEIVER_BUDGET 1024
#define BATCH_GAP_USEC 300

typedef struct {
  const char *server_path;
  gboolean    quick;
  gboolean    pin;
  double      duration;        /* seconds per throughput run */
  double      latency_seconds; /* seconds per latency run */
  guint       background_rate; /* broadcasts per second during "latency under load" */
  guint       background_size; /* receivers of that broadcast */
  guint       concurrency;     /* handshakes in progress at once while joining */
  gboolean    batched;         /* refill windows only once empty, as the first server needed */
  guint       fanout_n;        /* run only this fan-out size (for profiles); 0: all */
} BenchOptions;

typedef struct {
  char    *name;
  double   value;
  char    *unit;
} BenchMetric;

typedef struct {
  char      *scenario;
  char      *label;
  gboolean   ok;
  gboolean   stalled;   /* the server did not finish in the time allowed; counts were right */
  char      *error;
  GPtrArray *metrics;
} BenchResult;

static BenchOptions options;
static GPtrArray *results;
static char padding[MAX_DATA_LENGTH + 1];

static gint64
now_usec (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gint64
now_nsec (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double
bench_cpu_time (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

/* Results */

static void
bench_metric_free (BenchMetric *metric)
{
  g_free (metric->name);
  g_free (metric->unit);
  g_free (metric);
}

static void
bench_result_free (BenchResult *result)
{
  g_free (result->scenario);
  g_free (result->label);
  g_free (result->error);
  g_ptr_array_unref (result->metrics);
  g_free (result);
}

static BenchResult *
result_new (const char *scenario,
            const char *label)
{
  BenchResult *result = g_new0 (BenchResult, 1);

  result->scenario = g_strdup (scenario);
  result->label = g_strdup (label);
  result->ok = TRUE;
  result->metrics = g_ptr_array_new_with_free_func ((GDestroyNotify) bench_metric_free);
  g_ptr_array_add (results, result);
  return result;
}

static void
result_add (BenchResult *result,
            const char  *name,
            double       value,
            const char  *unit)
{
  BenchMetric *metric = g_new0 (BenchMetric, 1);

  metric->name = g_strdup (name);
  metric->value = value;
  metric->unit = g_strdup (unit);
  g_ptr_array_add (result->metrics, metric);
}

static void
result_fail (BenchResult *result,
             const char  *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
result_fail (BenchResult *result,
             const char  *format,
             ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  result->ok = FALSE;
  if (result->error == NULL)
    result->error = g_steal_pointer (&message);
}

static void
result_print (BenchResult *result)
{
  g_autoptr(GString) line = g_string_new (NULL);

  g_string_append_printf (line, "%-5s %-34s",
                          result->stalled ? "STALL" : result->ok ? "ok" : "FAIL", result->label);
  for (guint i = 0; i < result->metrics->len; i++)
    {
      BenchMetric *metric = g_ptr_array_index (result->metrics, i);

      if (i > 0 && i % 4 == 0)
        g_string_append_printf (line, "\n%40s", "");
      if (metric->value >= 100 || metric->value == (gint64) metric->value)
        g_string_append_printf (line, "  %s %.0f%s%s", metric->name, metric->value,
                                *metric->unit ? " " : "", metric->unit);
      else
        g_string_append_printf (line, "  %s %.3g%s%s", metric->name, metric->value,
                                *metric->unit ? " " : "", metric->unit);
    }
  if (result->error != NULL)
    g_string_append_printf (line, "\n%40s  %s: %s", "", result->stalled ? "stalled" : "error",
                            result->error);
  printf ("%s\n", line->str);
  fflush (stdout);
}

/* Sessions of connections */

typedef struct _BenchGroup BenchGroup;

struct _BenchGroup
{
  BenchLoop   *loop;
  BenchConn   *conns;
  guint        n;
  guint        session_size;
  char       **tokens;      /* one per session */
  guint        next_open;   /* the next connection to open */
  guint        open_until;  /* open no further than this one */
  guint        n_joined;
  guint        n_resumed;
  guint        settled;     /* connections before this one have every join event */
  BenchFlow   *flow;
  gpointer     latency;
};

struct _BenchFlow
{
  BenchGroup  *group;
  guint        n_senders;
  gsize        data_length;
  guint        window;
  guint        ring_mask;
  guint32    **rings;       /* per sender: how many receivers have each signal in flight */
  guint64     *sent;
  guint64     *done;        /* per sender: signals every receiver has */
  double       rate;        /* signals per second per sender; 0: as fast as the window allows */
  gboolean     batch;       /* refill the window only once it is empty */
  gint64      *refill_at;   /* per sender, in batch mode: when the next batch may go */
  gboolean     stopping;
  gint64       start;
  gint64       stop_at;
  guint64      n_bad;
};

static void flow_send_more (BenchFlow *flow,
                            guint      sender);

static void
group_joined (BenchConn *conn,
              gboolean   resumed)
{
  BenchGroup *group = conn->user_data;

  group->n_joined++;
  if (resumed)
    group->n_resumed++;
}

/* Data: "SENDER:INDEX;" and padding. */
static void
flow_signal (BenchConn  *conn,
             const char *data,
             gsize       length)
{
  BenchGroup *group = conn->user_data;
  BenchFlow *flow = group->flow;
  const char *end = data + length;
  const char *p = data;
  guint64 sender = 0;
  guint64 index = 0;
  guint32 *ring;

  if (flow == NULL)
    return;

  while (p < end && *p >= '0' && *p <= '9')
    sender = sender * 10 + (*p++ - '0');
  if (p == end || *p++ != ':' || sender >= flow->n_senders)
    goto bad;
  while (p < end && *p >= '0' && *p <= '9')
    index = index * 10 + (*p++ - '0');
  if (p == end || *p != ';')
    goto bad;

  if (index != conn->expect[sender] || index >= flow->sent[sender])
    {
      conn->n_out_of_order++;
      flow->n_bad++;
      return;
    }
  conn->expect[sender] = index + 1;

  ring = flow->rings[sender];
  if (++ring[index & flow->ring_mask] == group->n)
    {
      while (flow->done[sender] < flow->sent[sender] &&
             ring[flow->done[sender] & flow->ring_mask] == group->n)
        ring[flow->done[sender]++ & flow->ring_mask] = 0;
      flow_send_more (flow, sender);
    }
  return;

bad:
  conn->n_out_of_order++;
  flow->n_bad++;
}

static const BenchConnHandler group_handler = {
  .joined = group_joined,
  .signal = flow_signal,
};

static BenchGroup *
group_new (BenchLoop *loop,
           guint      n,
           guint      session_size)
{
  BenchGroup *group = g_new0 (BenchGroup, 1);
  guint n_sessions = (n + session_size - 1) / session_size;

  group->loop = loop;
  group->n = n;
  group->session_size = session_size;
  group->conns = g_new0 (BenchConn, n);
  group->tokens = g_new0 (char *, n_sessions + 1);

  /* Setup only: the library mints the tokens, as a deployment's application server would. */
  for (guint i = 0; i < n_sessions; i++)
    {
      g_autofree char *session_id = confab_session_id_new (BENCH_API_KEY);
      g_autoptr(GError) error = NULL;

      group->tokens[i] = confab_token_new (BENCH_API_KEY, BENCH_API_SECRET, session_id,
                                           CONFAB_ROLE_PUBLISHER, NULL,
                                           g_get_real_time () / G_USEC_PER_SEC + 3600, &error);
      if (group->tokens[i] == NULL)
        g_error ("Cannot mint a token: %s", error->message);
    }

  for (guint i = 0; i < n; i++)
    bench_conn_init (&group->conns[i], loop, i, group->tokens[i / session_size],
                     &group_handler, group);

  return group;
}

static void
group_free (BenchGroup *group)
{
  for (guint i = 0; i < group->n; i++)
    bench_conn_clear (&group->conns[i]);
  g_free (group->conns);
  g_strfreev (group->tokens);
  g_free (group);
}

/* The seq a member has once every member of its session joined: each join is one event. */
static guint64
group_final_seq (BenchGroup *group,
                 guint       index)
{
  guint first = index - index % group->session_size;

  return MIN (group->session_size, group->n - first);
}

static void
group_open_more (BenchGroup *group)
{
  while (group->next_open < group->open_until &&
         group->loop->n_connecting < options.concurrency)
    bench_conn_open (&group->conns[group->next_open++]);
}

static void
group_tick (BenchLoop *loop,
            gpointer   user_data)
{
  group_open_more (user_data);
}

static gboolean
group_joined_all (gpointer user_data)
{
  BenchGroup *group = user_data;

  if (group->loop->n_failed > 0)
    return TRUE;
  if (group->n_joined < group->open_until)
    return FALSE;

  while (group->settled < group->open_until &&
         group->conns[group->settled].seq >= group_final_seq (group, group->settled))
    group->settled++;

  return group->settled == group->open_until;
}

/* Opens connections up to @until, handshakes @concurrency at a time, and waits until each
 * has every join event of its session, acknowledged. Returns the seconds it took, or -1. */
static double
group_join (BenchGroup  *group,
            guint        until,
            BenchResult *result)
{
  gint64 start = now_usec ();
  gint64 deadline = start + (options.quick ? 30 : 150) * G_USEC_PER_SEC;
  double elapsed;

  group->open_until = until;
  group->loop->tick = group_tick;
  group->loop->tick_data = group;
  group_open_more (group);

  if (!bench_loop_run (group->loop, group_joined_all, group, deadline))
    {
      result->stalled = TRUE;
      result_fail (result, "stalled while joining: %u of %u joined, %u with every join event "
                   "after %.0f s", group->n_joined, until, group->settled,
                   (deadline - start) / 1e6);
      group->loop->tick = NULL;
      return -1;
    }
  elapsed = (now_usec () - start) / 1e6;
  group->loop->tick = NULL;

  if (group->loop->n_failed > 0)
    {
      result_fail (result, "%s", group->loop->first_error);
      return -1;
    }

  for (guint i = 0; i < until; i++)
    if (group->conns[i].seq > group->conns[i].acked)
      bench_conn_send_ack (&group->conns[i]);
  bench_loop_flush (group->loop);

  return elapsed;
}

static void
group_cut_all (BenchGroup *group)
{
  for (guint i = 0; i < group->n; i++)
    bench_conn_cut (&group->conns[i]);
}

/* Flows: senders broadcast to their own session with a bounded window */

static void
flow_send_more (BenchFlow *flow,
                guint      sender)
{
  BenchConn *conn = &flow->group->conns[sender];
  guint64 allowed = G_MAXUINT64;
  char prefix[48];

  if (flow->stopping)
    return;

  if (flow->rate > 0)
    allowed = (guint64) (flow->rate * (flow->group->loop->now - flow->start) / 1e6) + 1;

  /* The server reads a sender's socket until it is empty before it looks at any other
   * (libsoup's read loop), so a window refilled as it drains can keep it from ever reading
   * the receivers' acks, and it then cuts them off though they acknowledged everything.
   * So a sender waits until its whole window is delivered and accepted, and a moment more,
   * before it sends the next one: the server then finds the socket empty and turns to the
   * others. The pause costs under 1 % of a window's time at the window sizes used. */
  if (flow->batch)
    {
      if (flow->sent[sender] > flow->done[sender] || conn->n_accepted < flow->sent[sender])
        return;
      if (flow->refill_at[sender] == 0)
        {
          flow->refill_at[sender] = flow->group->loop->now + BATCH_GAP_USEC;
          return;
        }
      if (flow->group->loop->now < flow->refill_at[sender])
        return;
      flow->refill_at[sender] = 0;
    }

  while (flow->sent[sender] - flow->done[sender] < flow->window && flow->sent[sender] < allowed)
    {
      gsize length = bench_format_uint (prefix, sender);

      prefix[length++] = ':';
      length += bench_format_uint (prefix + length, flow->sent[sender]);
      prefix[length++] = ';';
      flow->sent[sender]++;
      bench_conn_send_signal (conn, NULL, prefix, length, padding, flow->data_length);
    }
}

static void
flow_tick (BenchLoop *loop,
           gpointer   user_data)
{
  BenchFlow *flow = user_data;

  if (!flow->stopping && loop->now >= flow->stop_at)
    flow->stopping = TRUE;
  for (guint s = 0; s < flow->n_senders; s++)
    flow_send_more (flow, s);
}

static gboolean
flow_finished (gpointer user_data)
{
  BenchFlow *flow = user_data;

  if (flow->group->loop->n_failed > 0)
    return TRUE;
  if (!flow->stopping)
    return FALSE;
  for (guint s = 0; s < flow->n_senders; s++)
    if (flow->done[s] < flow->sent[s] || flow->group->conns[s].n_accepted < flow->sent[s])
      return FALSE;
  return TRUE;
}

static BenchFlow *
flow_new (BenchGroup *group,
          guint       n_senders,
          gsize       data_length,
          double      rate,
          double      seconds)
{
  BenchFlow *flow = g_new0 (BenchFlow, 1);
  guint ring_size = 1;

  flow->group = group;
  flow->n_senders = n_senders;
  flow->data_length = data_length;
  flow->rate = rate;
  flow->batch = rate == 0 && options.batched;
  flow->window = CLAMP (MIN (FLOW_BUDGET / (group->n * n_senders), RECEIVER_BUDGET / n_senders),
                        1, RECEIVER_BUDGET);
  while (ring_size < flow->window)
    ring_size *= 2;
  flow->ring_mask = ring_size - 1;
  flow->rings = g_new0 (guint32 *, n_senders);
  for (guint s = 0; s < n_senders; s++)
    flow->rings[s] = g_new0 (guint32, ring_size);
  flow->sent = g_new0 (guint64, n_senders);
  flow->done = g_new0 (guint64, n_senders);
  flow->refill_at = g_new0 (gint64, n_senders);

  for (guint i = 0; i < group->n; i++)
    {
      BenchConn *conn = &group->conns[i];

      g_free (conn->expect);
      conn->expect = g_new0 (guint32, n_senders);
      conn->n_out_of_order = 0;
      conn->n_accepted = 0;
    }

  group->flow = flow;
  flow->start = now_usec ();
  flow->stop_at = flow->start + (gint64) (seconds * G_USEC_PER_SEC);
  return flow;
}

static void
flow_free (BenchFlow *flow)
{
  flow->group->flow = NULL;
  for (guint s = 0; s < flow->n_senders; s++)
    g_free (flow->rings[s]);
  g_free (flow->rings);
  g_free (flow->sent);
  g_free (flow->done);
  g_free (flow->refill_at);
  g_free (flow);
}

/* Checks that every member got every signal of every sender, once and in order. */
static gboolean
flow_verify (BenchFlow   *flow,
             BenchResult *result)
{
  BenchGroup *group = flow->group;
  guint64 total = 0;

  for (guint s = 0; s < flow->n_senders; s++)
    total += flow->sent[s];

  for (guint i = 0; i < group->n; i++)
    {
      BenchConn *conn = &group->conns[i];

      if (conn->n_out_of_order > 0)
        {
          result_fail (result, "receiver %u got %" G_GUINT64_FORMAT " signals out of order or "
                       "twice", i, conn->n_out_of_order);
          return FALSE;
        }
      for (guint s = 0; s < flow->n_senders; s++)
        if (conn->expect[s] != flow->sent[s])
          {
            result_fail (result, "receiver %u got %u of the %" G_GUINT64_FORMAT " signals of "
                         "sender %u", i, conn->expect[s], flow->sent[s], s);
            return FALSE;
          }
    }

  result_add (result, "verified", (double) total * group->n, "deliveries");
  return TRUE;
}

/* Runs one saturating flow and reports deliveries per second and the server's CPU cost. */
static void
run_flow (BenchGroup  *group,
          BenchServer *server,
          const char  *scenario,
          const char  *label,
          guint        n_senders,
          gsize        data_length)
{
  BenchResult *result = result_new (scenario, label);
  BenchFlow *flow;
  double cpu_before = bench_server_cpu_time (server);
  double bench_before = bench_cpu_time ();
  double cpu, bench_cpu, elapsed;
  guint64 deliveries = 0;
  gint64 deadline;

  flow = flow_new (group, n_senders, data_length, 0, options.duration);
  deadline = flow->stop_at + 30 * G_USEC_PER_SEC;
  group->loop->tick = flow_tick;
  group->loop->tick_data = flow;
  group->loop->now = now_usec ();
  for (guint s = 0; s < n_senders; s++)
    flow_send_more (flow, s);

  if (!bench_loop_run (group->loop, flow_finished, flow, deadline))
    result_fail (result, "stalled: signals still undelivered 30 s after the senders stopped");
  group->loop->tick = NULL;
  elapsed = (now_usec () - flow->start) / 1e6;
  cpu = bench_server_cpu_time (server) - cpu_before;
  bench_cpu = bench_cpu_time () - bench_before;

  for (guint s = 0; s < n_senders; s++)
    deliveries += flow->sent[s] * group->n;

  if (group->loop->n_failed > 0)
    result_fail (result, "%s", group->loop->first_error);
  else if (result->ok)
    flow_verify (flow, result);

  result_add (result, "deliveries/s", deliveries / elapsed, "");
  result_add (result, "signals/s", deliveries / group->n / elapsed, "");
  result_add (result, "server-cpu-per-M", deliveries ? cpu / (deliveries / 1e6) : 0, "s");
  result_add (result, "server-cpu", cpu / elapsed * 100, "%");
  result_add (result, "bench-cpu", bench_cpu / elapsed * 100, "%");
  result_add (result, flow->batch ? "batch" : "window", flow->window, "signals");
  result_print (result);
  flow_free (flow);
}

/* Latency: A sends to B, B echoes to A, one round trip at a time */

typedef struct {
  BenchGroup *pair;
  gsize       data_length;
  gint64     *samples;   /* nanoseconds */
  guint       n_samples;
  guint       max_samples;
  guint       warmup;
  gint64      sent_at;
  gint64      stop_at;
  gboolean    finished;
} BenchLatency;

static void
latency_send (BenchLatency *latency)
{
  BenchConn *a = &latency->pair->conns[0];
  BenchConn *b = &latency->pair->conns[1];

  latency->sent_at = now_nsec ();
  bench_conn_send_signal (a, b->id, "L", 1, padding, latency->data_length);
  /* Written at once, not at the end of the loop turn, so the bench adds no delay. */
  bench_conn_flush (a);
}

static void
latency_signal (BenchConn  *conn,
                const char *data,
                gsize       length)
{
  BenchGroup *pair = conn->user_data;
  BenchLatency *latency = pair->latency;

  if (conn->index == 1)
    {
      bench_conn_send_signal (conn, pair->conns[0].id, data, length, padding, length);
      bench_conn_flush (conn);
      return;
    }

  if (latency->warmup > 0)
    latency->warmup--;
  else
    latency->samples[latency->n_samples++] = now_nsec () - latency->sent_at;

  if (latency->n_samples == latency->max_samples || now_usec () >= latency->stop_at)
    latency->finished = TRUE;
  else
    latency_send (latency);
}

static const BenchConnHandler latency_handler = {
  .joined = group_joined,
  .signal = latency_signal,
};

static gboolean
latency_finished (gpointer user_data)
{
  BenchLatency *latency = user_data;

  return latency->finished || latency->pair->loop->n_failed > 0;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
run_latency (BenchGroup  *pair,
             BenchFlow   *background,
             const char  *label,
             gsize        data_length)
{
  BenchResult *result = result_new ("latency", label);
  BenchLatency latency = { 0 };
  gint64 deadline;

  latency.pair = pair;
  latency.data_length = data_length;
  latency.max_samples = options.quick ? 100 : 500000;
  latency.samples = g_new (gint64, latency.max_samples);
  latency.warmup = options.quick ? 10 : 500;
  latency.stop_at = now_usec () + (gint64) (options.latency_seconds * G_USEC_PER_SEC);
  deadline = latency.stop_at + 10 * G_USEC_PER_SEC;
  pair->latency = &latency;

  if (background != NULL)
    {
      pair->loop->tick = flow_tick;
      pair->loop->tick_data = background;
    }

  latency_send (&latency);
  if (!bench_loop_run (pair->loop, latency_finished, &latency, deadline))
    result_fail (result, "stalled: a round trip took over 10 s");
  if (pair->loop->n_failed > 0)
    result_fail (result, "%s", pair->loop->first_error);

  if (latency.n_samples > 0)
    {
      qsort (latency.samples, latency.n_samples, sizeof (gint64), compare_int64);
      result_add (result, "p50", latency.samples[latency.n_samples / 2] / 1e3, "µs");
      result_add (result, "p90", latency.samples[latency.n_samples * 9 / 10] / 1e3, "µs");
      result_add (result, "p99", latency.samples[latency.n_samples * 99 / 100] / 1e3, "µs");
      result_add (result, "max", latency.samples[latency.n_samples - 1] / 1e3, "µs");
    }
  else
    result_fail (result, "no round trip completed");
  result_add (result, "round-trips", latency.n_samples, "");
  if (background != NULL)
    {
      double seconds = (now_usec () - background->start) / 1e6;
      guint64 sent = background->sent[0];

      result_add (result, "background", sent * background->group->n / seconds,
                  "deliveries/s");
    }
  result_print (result);

  pair->latency = NULL;
  g_free (latency.samples);
}

static gboolean
start_server (BenchServer *server,
              BenchResult *result)
{
  g_autoptr(GError) error = NULL;

  if (!bench_server_start (server, options.server_path, options.pin ? 1 : -1, &error))
    {
      result_fail (result, "%s", error->message);
      result_print (result);
      return FALSE;
    }
  return TRUE;
}

static void
scenario_latency (void)
{
  BenchServer server;
  BenchLoop loop;
  BenchGroup *pair;
  BenchGroup *crowd;
  BenchFlow *background;
  BenchResult *setup = result_new ("latency", "latency setup");
  static const gsize sizes[] = { 100, 1024 };

  if (!start_server (&server, setup))
    return;
  bench_loop_init (&loop, server.port);

  pair = group_new (&loop, 2, 2);
  for (guint i = 0; i < 2; i++)
    pair->conns[i].handler = &latency_handler;
  if (group_join (pair, 2, setup) < 0)
    goto out;

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *label =
        g_strdup_printf ("latency idle, %s", sizes[i] == 100 ? "100 B" : "1 KiB");

      run_latency (pair, NULL, label, sizes[i]);
    }

  /* Under load: another session of the same server carries a steady broadcast. */
  crowd = group_new (&loop, options.background_size, options.background_size);
  if (group_join (crowd, crowd->n, setup) >= 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
        {
          g_autofree char *label =
            g_strdup_printf ("latency under load, %s", sizes[i] == 100 ? "100 B" : "1 KiB");
          BenchResult *check;

          background = flow_new (crowd, 1, 100, options.background_rate, 3600);
          run_latency (pair, background, label, sizes[i]);

          /* Let the background drain, then prove it lost nothing either. */
          background->stopping = TRUE;
          check = result_new ("latency", "  background broadcast");
          loop.tick = NULL;
          if (!bench_loop_run (&loop, flow_finished, background, now_usec () + 30 * G_USEC_PER_SEC))
            result_fail (check, "stalled: the background broadcast did not drain in 30 s");
          else if (loop.n_failed > 0)
            result_fail (check, "%s", loop.first_error);
          else
            flow_verify (background, check);
          if (check->ok)
            g_ptr_array_remove (results, check);
          else
            result_print (check);
          flow_free (background);
        }
    }
  group_free (crowd);

out:
  if (setup->ok)
    g_ptr_array_remove (results, setup);
  else
    result_print (setup);
  group_free (pair);
  bench_server_stop (&server);
  bench_loop_clear (&loop);
}

static void
scenario_fanout (void)
{
  BenchServer server;
  BenchLoop loop;
  BenchResult *setup = result_new ("fanout", "fan-out setup");
  guint sizes_full[] = { 10, 100, 1000 };
  guint sizes_quick[] = { 3, 10, 30 };
  static const gsize lengths[] = { 100, 1024 };

  if (!start_server (&server, setup))
    return;
  bench_loop_init (&loop, server.port);

  for (guint i = 0; i < 3; i++)
    {
      guint n = options.quick ? sizes_quick[i] : sizes_full[i];
      BenchGroup *group;
      double seconds;

      if (options.fanout_n > 0)
        {
          if (i > 0)
            break;
          n = options.fanout_n;
        }
      group = group_new (&loop, n, n);
      seconds = group_join (group, n, setup);

      if (seconds >= 0)
        {
          g_autofree char *label = g_strdup_printf ("fan-out setup, N=%u", n);
          BenchResult *join = result_new ("fanout-join", label);

          /* Each join is announced to everyone already there: N(N-1)/2 events. */
          result_add (join, "joined-in", seconds, "s");
          result_add (join, "join-events/s", (double) n * (n - 1) / 2 / seconds, "");
          result_print (join);

          for (guint j = 0; j < G_N_ELEMENTS (lengths); j++)
            {
              g_autofree char *run_label =
                g_strdup_printf ("fan-out N=%u, %s", n, lengths[j] == 100 ? "100 B" : "1 KiB");

              run_flow (group, &server, "fanout", run_label, 1, lengths[j]);
              if (loop.n_failed > 0)
                break;
            }
        }
      group_cut_all (group);
      group_free (group);
      if (loop.n_failed > 0)
        break;
    }

  if (loop.n_failed == 0 && options.fanout_n == 0)
    {
      guint n = options.quick ? 10 : 100;
      BenchGroup *group = group_new (&loop, n, n);

      if (group_join (group, n, setup) >= 0)
        {
          g_autofree char *label = g_strdup_printf ("many senders %u x %u, 100 B", n, n);

          run_flow (group, &server, "many-senders", label, n, 100);
        }
      group_cut_all (group);
      group_free (group);
    }

  if (setup->ok)
    g_ptr_array_remove (results, setup);
  else
    result_print (setup);
  bench_server_stop (&server);
  bench_loop_clear (&loop);
}

static gboolean
idle_wait (gpointer user_data)
{
  return *(gint64 *) user_data <= now_usec ();
}

/* Lets the server settle for a moment with the bench still answering whatever comes. */
static void
pause_loop (BenchLoop *loop,
            double     seconds)
{
  gint64 until = now_usec () + (gint64) (seconds * G_USEC_PER_SEC);

  bench_loop_run (loop, idle_wait, &until, until + G_USEC_PER_SEC);
}

static void
scenario_idle (void)
{
  BenchServer server;
  BenchLoop loop;
  BenchResult *result = result_new ("idle", "idle setup");
  guint steps_full[] = { 1000, 10000 };
  guint steps_quick[] = { 20, 100 };
  guint *steps = options.quick ? steps_quick : steps_full;
  BenchGroup *group;
  guint64 base;

  if (!start_server (&server, result))
    return;
  bench_loop_init (&loop, server.port);
  pause_loop (&loop, options.quick ? 0.05 : 0.5);
  base = bench_server_rss (&server);
  group = group_new (&loop, steps[1], 10);

  g_ptr_array_remove (results, result);
  for (guint i = 0; i < 2; i++)
    {
      guint from = i == 0 ? 0 : steps[0];
      g_autofree char *label = g_strdup_printf ("idle connections, %u", steps[i]);
      double seconds;
      guint64 rss;

      result = result_new ("idle", label);
      seconds = group_join (group, steps[i], result);
      if (seconds < 0)
        {
          result_print (result);
          break;
        }
      pause_loop (&loop, options.quick ? 0.05 : 1.0);
      rss = bench_server_rss (&server);
      if (loop.n_failed > 0)
        result_fail (result, "%s", loop.first_error);
      result_add (result, "connects/s", (steps[i] - from) / seconds, "");
      result_add (result, "server-rss", rss, "KiB");
      result_add (result, "rss-per-connection", (double) (rss - base) * 1024 / steps[i], "B");
      result_add (result, "baseline-rss", base, "KiB");
      result_print (result);
    }

  group_cut_all (group);
  group_free (group);
  bench_server_stop (&server);
  bench_loop_clear (&loop);
}

static gboolean
storm_resumed (gpointer user_data)
{
  BenchGroup *group = user_data;

  return group->n_joined == group->n || group->loop->n_failed > 0;
}

/* The fault: every link dies at once (RST, no close handshake), as when a network path
 * fails; the bench is its own fault proxy. The clients then come back, each with its resume
 * key: all at the same moment, or @pace handshakes at a time. */
static void
storm_once (BenchGroup *group,
            guint       pace,
            guint       seconds)
{
  BenchLoop *loop = group->loop;
  g_autofree char *label = pace == G_MAXUINT
    ? g_strdup_printf ("reconnect storm, %u at once", group->n)
    : g_strdup_printf ("reconnect storm, %u, %u at a time", group->n, pace);
  BenchResult *result = result_new ("storm", label);
  guint old_concurrency = options.concurrency;
  gint64 start = now_usec ();

  for (guint i = 0; i < group->n; i++)
    {
      bench_conn_cut (&group->conns[i]);
      group->conns[i].resume = TRUE;
    }
  group->n_joined = 0;
  group->n_resumed = 0;
  group->next_open = 0;
  options.concurrency = pace;
  loop->tick = group_tick;
  loop->tick_data = group;
  group_open_more (group);

  if (!bench_loop_run (loop, storm_resumed, group, start + seconds * G_USEC_PER_SEC))
    {
      result_fail (result, "only %u of %u had resumed after %u s", group->n_joined, group->n,
                   seconds);
      result->stalled = TRUE;
    }
  else if (loop->n_failed > 0)
    result_fail (result, "%s", loop->first_error);
  else if (group->n_resumed != group->n)
    result_fail (result, "%u of %u came back resumed; the others joined afresh",
                 group->n_resumed, group->n);
  loop->tick = NULL;
  options.concurrency = old_concurrency;

  result_add (result, "all-resumed-in", (now_usec () - start) / 1e3, "ms");
  result_add (result, "resumed", group->n_resumed, "");
  result_add (result, "resumes/s", group->n_resumed / ((now_usec () - start) / 1e6), "");
  result_print (result);
}

static void
scenario_storm (void)
{
  BenchServer server;
  BenchLoop loop;
  guint n = options.quick ? 20 : 1000;
  BenchResult *setup = result_new ("storm", "reconnect storm setup");
  BenchGroup *group;

  if (!start_server (&server, setup))
    return;
  bench_loop_init (&loop, server.port);
  group = group_new (&loop, n, MIN (n, 100));

  if (group_join (group, n, setup) >= 0)
    {
      /* Paced first: a storm that stalls leaves links the server has not accepted yet. */
      storm_once (group, options.concurrency, 60);
      if (loop.n_failed == 0)
        storm_once (group, G_MAXUINT, 30);
    }

  if (setup->ok)
    g_ptr_array_remove (results, setup);
  else
    result_print (setup);
  group_cut_all (group);
  group_free (group);
  bench_server_stop (&server);
  bench_loop_clear (&loop);
}

/* Output */

static void
write_json (const char *path,
            const char *argv0_line)
{
  g_autoptr(GString) out = g_string_new ("{\n");
  g_autoptr(GError) error = NULL;
  g_autofree char *cpuinfo = NULL;
  g_autofree char *model = NULL;
  struct utsname name;

  if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    {
      const char *line = strstr (cpuinfo, "model name");

      if (line != NULL && strchr (line, ':') != NULL)
        model = g_strstrip (g_strndup (strchr (line, ':') + 1,
                                       strcspn (strchr (line, ':') + 1, "\n")));
    }
  uname (&name);

  g_string_append_printf (out, "  \"command\": \"%s\",\n", argv0_line);
  g_string_append_printf (out, "  \"machine\": {\"cpus\": %ld, \"cpu_model\": \"%s\", "
                          "\"kernel\": \"%s\"},\n",
                          sysconf (_SC_NPROCESSORS_ONLN), model ? model : "", name.release);
  g_string_append_printf (out, "  \"pinned\": %s,\n  \"results\": [\n",
                          options.pin ? "true" : "false");
  for (guint i = 0; i < results->len; i++)
    {
      BenchResult *result = g_ptr_array_index (results, i);

      g_string_append_printf (out, "    {\"scenario\": \"%s\", \"label\": \"%s\", \"ok\": %s, "
                              "\"stalled\": %s",
                              result->scenario, result->label, result->ok ? "true" : "false",
                              result->stalled ? "true" : "false");
      if (result->error != NULL)
        {
          g_autofree char *escaped = g_strescape (result->error, NULL);

          g_string_append_printf (out, ", \"error\": \"%s\"", escaped);
        }
      g_string_append (out, ", \"metrics\": {");
      for (guint j = 0; j < result->metrics->len; j++)
        {
          BenchMetric *metric = g_ptr_array_index (result->metrics, j);
          char number[G_ASCII_DTOSTR_BUF_SIZE];

          g_ascii_formatd (number, sizeof number, "%.6g", metric->value);
          g_string_append_printf (out, "%s\"%s\": %s", j ? ", " : "", metric->name, number);
        }
      g_string_append_printf (out, "}}%s\n", i + 1 < results->len ? "," : "");
    }
  g_string_append (out, "  ]\n}\n");

  if (!g_file_set_contents (path, out->str, out->len, &error))
    g_printerr ("confab-bench: cannot write %s: %s\n", path, error->message);
}

static const struct {
  const char *name;
  void      (*run) (void);
} scenarios[] = {
  { "latency", scenario_latency },
  { "fanout", scenario_fanout },
  { "idle", scenario_idle },
  { "storm", scenario_storm },
};

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— measure confab-server");
  g_autoptr(GError) error = NULL;
  g_autofree char *json_path = NULL;
  g_autofree char *server_path = NULL;
  g_autofree char *command = g_strjoinv (" ", argv);
  g_auto(GStrv) only = NULL;
  gboolean all = FALSE;
  gboolean quick = FALSE;
  gboolean pin = FALSE;
  gboolean batched = FALSE;
  int fanout_n = 0;
  double duration = 3.0;
  double latency_seconds = 2.0;
  int background_rate = 500;
  int background_size = 100;
  int concurrency = 8;
  gboolean ok = TRUE;
  guint n_run = 0;
  guint n_stalled = 0;
  const GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, "Run every scenario at full size", NULL },
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick,
      "Run every scenario at tiny sizes to check the harness (counts only)", NULL },
    { "scenario", 's', 0, G_OPTION_ARG_STRING_ARRAY, &only,
      "Run only this scenario: latency, fanout (with many senders), idle, storm; repeatable",
      "NAME" },
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &server_path,
      "The confab-server to run (default: the build tree's)", "PATH" },
    { "json", 'j', 0, G_OPTION_ARG_FILENAME, &json_path, "Also write the figures here", "FILE" },
    { "pin", 0, 0, G_OPTION_ARG_NONE, &pin,
      "Pin the bench to CPU 0 and the server to CPU 1", NULL },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration,
      "Seconds each throughput run sends for (default 3)", "SECONDS" },
    { "latency-duration", 0, 0, G_OPTION_ARG_DOUBLE, &latency_seconds,
      "Seconds each latency run measures for (default 2)", "SECONDS" },
    { "background-rate", 0, 0, G_OPTION_ARG_INT, &background_rate,
      "Broadcasts per second behind \"latency under load\" (default 500)", "N" },
    { "background-size", 0, 0, G_OPTION_ARG_INT, &background_size,
      "Receivers of that broadcast (default 100)", "N" },
    { "concurrency", 0, 0, G_OPTION_ARG_INT, &concurrency,
      "Handshakes in progress at once while connecting (default 8)", "N" },
    { "fanout-n", 0, 0, G_OPTION_ARG_INT, &fanout_n,
      "Run fan-out with this many receivers only, and no many-senders run (for profiles)", "N" },
    { "batched", 0, 0, G_OPTION_ARG_NONE, &batched,
      "Refill each sender's window only once it is empty, pausing between batches, as the "
      "baseline figures were taken (see docs/benchmarks.md)", NULL },
    { NULL }
  };

  g_option_context_set_summary (context,
    "Drives a confab-server of its own (started on a free port) with a WebSocket client\n"
    "written for the purpose, and prints one line of figures per run.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("confab-bench: %s\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr ("confab-bench: unexpected argument '%s'; see --help\n", argv[1]);
      return 2;
    }
  if (!all && !quick && only == NULL)
    {
      g_printerr ("confab-bench: choose --all, --quick or --scenario NAME; see --help\n");
      return 2;
    }
  if (duration <= 0 || duration > 600 || latency_seconds <= 0 || latency_seconds > 600)
    {
      g_printerr ("confab-bench: durations must be above 0 and at most 600 seconds\n");
      return 2;
    }
  if (background_rate < 1 || background_size < 2 || background_size > 10000 || concurrency < 1)
    {
      g_printerr ("confab-bench: --background-rate and --concurrency must be 1 or more, "
                  "--background-size 2 to 10000\n");
      return 2;
    }
  for (guint i = 0; only != NULL && only[i] != NULL; i++)
    {
      gboolean known = FALSE;

      for (guint j = 0; j < G_N_ELEMENTS (scenarios); j++)
        known |= strcmp (only[i], scenarios[j].name) == 0;
      if (!known)
        {
          g_printerr ("confab-bench: no scenario '%s'; use latency, fanout, idle or storm\n",
                      only[i]);
          return 2;
        }
    }

  options.server_path = server_path ? server_path : CONFAB_BENCH_DEFAULT_SERVER;
  options.quick = quick;
  options.pin = pin;
  options.duration = quick ? 0.2 : duration;
  options.latency_seconds = quick ? 0.2 : latency_seconds;
  options.background_rate = quick ? 100 : background_rate;
  options.background_size = quick ? 5 : background_size;
  options.concurrency = concurrency;
  options.batched = batched;
  options.fanout_n = fanout_n;
  if (fanout_n < 0 || fanout_n > 10000)
    {
      g_printerr ("confab-bench: --fanout-n must be 1 to 10000\n");
      return 2;
    }

  if (!g_file_test (options.server_path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("confab-bench: %s is not an executable confab-server; use --server PATH\n",
                  options.server_path);
      return 2;
    }

  memset (padding, 'x', MAX_DATA_LENGTH);
  bench_raise_fd_limit ();
  if (pin)
    {
      cpu_set_t set;

      CPU_ZERO (&set);
      CPU_SET (0, &set);
      if (sched_setaffinity (0, sizeof set, &set) < 0)
        g_printerr ("confab-bench: cannot pin to CPU 0: %s\n", g_strerror (errno));
    }

  results = g_ptr_array_new_with_free_func ((GDestroyNotify) bench_result_free);
  printf ("confab-bench: server %s%s%s\n", options.server_path, quick ? ", quick mode" : "",
          pin ? ", pinned (bench CPU 0, server CPU 1)" : "");

  for (guint j = 0; j < G_N_ELEMENTS (scenarios); j++)
    {
      if (only != NULL && !g_strv_contains ((const char * const *) only, scenarios[j].name))
        continue;
      scenarios[j].run ();
      n_run++;
    }

  for (guint i = 0; i < results->len; i++)
    {
      BenchResult *result = g_ptr_array_index (results, i);

      ok &= result->ok || result->stalled;
      n_stalled += result->stalled;
    }

  if (json_path != NULL)
    write_json (json_path, command);

  printf ("confab-bench: %u scenario%s, %s%s\n", n_run, n_run == 1 ? "" : "s",
          ok ? "every count matched" : "FAILED (see above)",
          n_stalled > 0 ? "; the server stalled in some runs (STALL above)" : "");
  g_ptr_array_unref (results);
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
