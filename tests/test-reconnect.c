/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "test-reconnect"

#include <string.h>

#include "confab-fault-proxy.h"
#include "confab-test-util.h"

/* Reconnection without loss, proven through a proxy that cuts, swallows and refuses links
 * between real clients and a real server. The clients ping often so that a silent link is
 * noticed in well under a second. */

#define PING_INTERVAL_MS 200
#define PING_TIMEOUT_MS 500

typedef struct {
  ConfabServer   *server;
  TestFaultProxy *proxy;
  char           *session_id;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->server = test_server_new ();
  fixture->proxy = test_fault_proxy_new (confab_server_get_port (fixture->server));
  fixture->session_id = confab_session_id_new (TEST_API_KEY);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->proxy, test_fault_proxy_free);
  confab_server_stop (fixture->server);
  g_assert_finalize_object (fixture->server);
  g_free (fixture->session_id);
}

/* A client whose link goes through the proxy. */
static ConfabSession *
join_via_proxy (Fixture    *fixture,
                const char *name)
{
  g_autofree char *url = test_fault_proxy_dup_url (fixture->proxy);
  g_autoptr(ConfabSession) session = confab_session_new (url, fixture->session_id);
  g_autofree char *token = test_token (fixture->session_id, CONFAB_ROLE_PUBLISHER, name);
  g_autoptr(GError) error = NULL;

  g_object_set (session,
                "ping-interval", PING_INTERVAL_MS,
                "ping-timeout", PING_TIMEOUT_MS,
                NULL);
  g_assert_true (test_session_connect (session, token, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&session);
}

static gboolean
is_connected (gpointer user_data)
{
  return confab_session_get_state (user_data) == CONFAB_SESSION_STATE_CONNECTED;
}

static gboolean
is_reconnecting (gpointer user_data)
{
  return confab_session_get_state (user_data) == CONFAB_SESSION_STATE_RECONNECTING;
}

typedef struct {
  guint  answered;
  guint  failed;
  GError *last_error;
} Tally;

static void
on_tallied (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Tally *tally = user_data;
  g_autoptr(GError) error = NULL;

  if (!confab_session_send_signal_finish (CONFAB_SESSION (source), result, &error))
    {
      tally->failed++;
      g_clear_error (&tally->last_error);
      tally->last_error = g_steal_pointer (&error);
    }
  tally->answered++;
}

static gboolean
tally_reached (gpointer user_data)
{
  gpointer *args = user_data;

  return ((Tally *) args[0])->answered >= GPOINTER_TO_UINT (args[1]);
}

static void
wait_tally (Tally *tally,
            guint  count)
{
  gpointer args[2] = { tally, GUINT_TO_POINTER (count) };

  test_wait_until (tally_reached, args, "every send to be answered");
}

/* Checks that @recorder got, from the sender @from_id, signals numbered exactly as in
 * @expected (ascending), once each and in order. */
static void
assert_exactly_once_in_order (TestRecorder *recorder,
                              const char   *from_id,
                              GArray       *expected)
{
  GPtrArray *events = test_recorder_get_events (recorder);
  guint next = 0;

  for (guint i = 0; i < events->len; i++)
    {
      g_auto(GStrv) fields = g_strsplit (g_ptr_array_index (events, i), " ", 4);

      if (g_strcmp0 (fields[0], "signal") != 0 || g_strcmp0 (fields[1], "n") != 0 ||
          g_strcmp0 (fields[3], from_id) != 0)
        continue;

      g_assert_cmpuint (next, <, expected->len);
      g_assert_cmpuint (g_ascii_strtoull (fields[2], NULL, 10), ==,
                        g_array_index (expected, guint, next));
      next++;
    }

  g_assert_cmpuint (next, ==, expected->len);
}

static void
test_cut_under_steady_traffic (Fixture       *fixture,
                               gconstpointer  data)
{
  const guint per_sender = 1000;
  const guint chunk = 100;
  g_autoptr(ConfabSession) alice = join_via_proxy (fixture, "Alice");
  g_autoptr(ConfabSession) bob = join_via_proxy (fixture, "Bob");
  g_autoptr(ConfabSession) carol = join_via_proxy (fixture, "Carol");
  g_autoptr(ConfabSession) dave = join_via_proxy (fixture, "Dave");
  ConfabSession *senders[] = { alice, bob };
  ConfabSession *everyone[] = { alice, bob, carol, dave };
  TestRecorder *recorders[G_N_ELEMENTS (everyone)];
  g_autoptr(GArray) broadcasts = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree char *carol_id = g_strdup (test_id_of (carol));
  Tally tally = { 0 };
  guint reconnects = 0;

  for (guint i = 0; i < G_N_ELEMENTS (everyone); i++)
    recorders[i] = test_recorder_new (everyone[i]);

  /* Even numbers go to everyone, odd ones to Carol alone, in chunks. Every link is cut twice,
   * each time right after a chunk went out, while its signals are in flight. */
  for (guint n = 0; n < per_sender; n++)
    {
      g_autofree char *payload = g_strdup_printf ("%u", n);

      for (guint s = 0; s < G_N_ELEMENTS (senders); s++)
        confab_session_send_signal_async (senders[s], "n", payload, n % 2 ? carol_id : NULL,
                                          TRUE, NULL, on_tallied, &tally);
      if (n % 2 == 0)
        g_array_append_val (broadcasts, n);
      g_array_append_val (all, n);

      if ((n + 1) % chunk == 0)
        {
          if (n + 1 == 3 * chunk || n + 1 == 7 * chunk)
            {
              g_assert_cmpuint (test_fault_proxy_get_n_links (fixture->proxy), ==,
                                G_N_ELEMENTS (everyone));
              test_fault_proxy_cut_all (fixture->proxy);
            }
          wait_tally (&tally, (n + 1) * G_N_ELEMENTS (senders));
          for (guint i = 0; i < G_N_ELEMENTS (everyone); i++)
            test_wait_until (is_connected, everyone[i], "the session to be connected");
        }
    }

  wait_tally (&tally, per_sender * G_N_ELEMENTS (senders));
  g_assert_no_error (tally.last_error);
  g_assert_cmpuint (tally.failed, ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (everyone); i++)
    {
      guint expected = everyone[i] == carol ? 2 * per_sender : per_sender;

      test_recorder_wait_count (recorders[i], "signal n", expected);
      test_wait_until (is_connected, everyone[i], "the session to be connected");
    }

  for (guint i = 0; i < G_N_ELEMENTS (everyone); i++)
    {
      for (guint s = 0; s < G_N_ELEMENTS (senders); s++)
        assert_exactly_once_in_order (recorders[i], test_id_of (senders[s]),
                                      everyone[i] == carol ? all : broadcasts);

      /* Every drop was resumed: nobody saw anyone leave or rejoin. */
      g_assert_cmpuint (test_recorder_count (recorders[i], "destroyed"), ==, 0);
      g_assert_cmpuint (test_recorder_count (recorders[i], "reconnected fresh"), ==, 0);
      reconnects += test_recorder_count (recorders[i], "reconnected resumed");
    }

  g_test_message ("%u signals sent through %u cuts, %u resumed reconnections",
                  per_sender * 2, test_fault_proxy_get_n_cuts (fixture->proxy), reconnects);
  g_assert_cmpuint (test_fault_proxy_get_n_cuts (fixture->proxy), ==, 2 * G_N_ELEMENTS (everyone));
  g_assert_cmpuint (reconnects, ==, 2 * G_N_ELEMENTS (everyone));

  for (guint i = 0; i < G_N_ELEMENTS (everyone); i++)
    test_recorder_free (recorders[i]);
}

static void
test_black_hole (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = join_via_proxy (fixture, "Alice");
  g_autoptr(ConfabSession) bob = join_via_proxy (fixture, "Bob");
  g_autoptr(TestRecorder) alice_events = test_recorder_new (alice);
  g_autoptr(TestRecorder) bob_events = test_recorder_new (bob);
  g_autofree char *hello = NULL;
  Tally tally = { 0 };

  /* The path goes silent without closing: only the ping deadline can tell. */
  test_fault_proxy_set_black_hole (fixture->proxy, TRUE);
  test_recorder_wait_count (alice_events, "reconnecting", 1);
  test_recorder_wait_count (bob_events, "reconnecting", 1);
  g_assert_cmpint (confab_session_get_state (alice), ==, CONFAB_SESSION_STATE_RECONNECTING);

  confab_session_send_signal_async (alice, "chat", "sent into the dark", NULL, TRUE, NULL,
                                    on_tallied, &tally);
  g_assert_cmpuint (confab_session_get_queued_signals (alice), ==, 1);

  test_fault_proxy_set_black_hole (fixture->proxy, FALSE);
  test_recorder_wait_count (alice_events, "reconnected", 1);
  test_recorder_wait_count (bob_events, "reconnected", 1);
  g_assert_cmpuint (test_recorder_count (alice_events, "reconnected resumed"), ==, 1);

  wait_tally (&tally, 1);
  g_assert_cmpuint (tally.failed, ==, 0);
  hello = g_strdup_printf ("signal chat sent into the dark %s", test_id_of (alice));
  test_recorder_wait_count (bob_events, hello, 1);
  g_assert_cmpuint (test_recorder_count (bob_events, "destroyed"), ==, 0);
  g_assert_cmpuint (confab_session_get_queued_signals (alice), ==, 0);
}

static void
on_queued_changed (ConfabSession *session,
                   GParamSpec    *pspec,
                   GArray        *seen)
{
  guint queued = confab_session_get_queued_signals (session);

  g_array_append_val (seen, queued);
}

static void
test_queued_while_down (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = join_via_proxy (fixture, "Alice");
  g_autoptr(ConfabSession) bob =
    test_join (fixture->server, fixture->session_id, CONFAB_ROLE_PUBLISHER, "Bob");
  g_autoptr(TestRecorder) bob_events = test_recorder_new (bob);
  g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GError) error = NULL;
  Tally tally = { 0 };

  g_signal_connect (alice, "notify::queued-signals", G_CALLBACK (on_queued_changed), seen);

  test_fault_proxy_set_refusing (fixture->proxy, TRUE);
  test_fault_proxy_cut_all (fixture->proxy);
  test_wait_until (is_reconnecting, alice, "Alice to notice the cut");

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *payload = g_strdup_printf ("queued %u", i);

      confab_session_send_signal_async (alice, "chat", payload, NULL, TRUE, NULL, on_tallied,
                                        &tally);
    }
  g_assert_cmpuint (confab_session_get_queued_signals (alice), ==, 5);

  /* Not willing to wait: fails at once, and is not queued. */
  {
    Tally now_or_never = { 0 };

    confab_session_send_signal_async (alice, "chat", "now or never", NULL, FALSE, NULL,
                                      on_tallied, &now_or_never);
    wait_tally (&now_or_never, 1);
    g_assert_cmpuint (now_or_never.failed, ==, 1);
    g_assert_error (now_or_never.last_error, CONFAB_ERROR, CONFAB_ERROR_SIGNAL_DROPPED);
    g_clear_error (&now_or_never.last_error);
  }
  g_assert_cmpuint (confab_session_get_queued_signals (alice), ==, 5);

  test_fault_proxy_set_refusing (fixture->proxy, FALSE);
  confab_session_reconnect_now (alice);
  wait_tally (&tally, 5);
  g_assert_cmpuint (tally.failed, ==, 0);
  g_assert_cmpuint (confab_session_get_queued_signals (alice), ==, 0);

  test_recorder_wait_count (bob_events, "signal chat", 5);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *line = g_strdup_printf ("signal chat queued %u %s", i, test_id_of (alice));

      g_assert_cmpuint (test_recorder_count (bob_events, line), ==, 1);
    }
  /* What was sent after the queued ones shows nothing was dropped on the way. */
  g_assert_true (test_send (alice, "chat", "after", NULL, &error));
  g_assert_no_error (error);
  test_recorder_wait_count (bob_events, "signal chat after", 1);
  g_assert_cmpuint (test_recorder_count (bob_events, "signal chat now or never"), ==, 0);
  g_assert_cmpuint (test_recorder_count (bob_events, "signal chat"), ==, 6);

  /* The count rose one by one and fell back to 0, with a notification for each change. */
  g_assert_cmpuint (seen->len, >=, 6);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpuint (g_array_index (seen, guint, i), ==, i + 1);
  g_assert_cmpuint (g_array_index (seen, guint, seen->len - 1), ==, 0);
}

static void
test_server_restart (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = join_via_proxy (fixture, "Alice");
  g_autoptr(ConfabSession) bob = join_via_proxy (fixture, "Bob");
  g_autoptr(TestRecorder) alice_events = test_recorder_new (alice);
  g_autoptr(TestRecorder) bob_events = test_recorder_new (bob);
  g_autoptr(ConfabSession) carol = NULL;
  g_autoptr(TestRecorder) carol_events = NULL;
  g_autofree char *old_alice = g_strdup (test_id_of (alice));
  g_autofree char *old_bob = g_strdup (test_id_of (bob));
  g_autofree char *gone = g_strdup_printf ("destroyed %s networkDisconnected", old_bob);
  Tally tally = { 0 };

  /* The server goes away; a new one, knowing nothing, takes its place. */
  test_fault_proxy_set_refusing (fixture->proxy, TRUE);
  confab_server_stop (fixture->server);
  g_assert_finalize_object (g_steal_pointer (&fixture->server));
  test_wait_until (is_reconnecting, alice, "Alice to notice the server is gone");

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *payload = g_strdup_printf ("while away %u", i);

      confab_session_send_signal_async (alice, "chat", payload, NULL, TRUE, NULL, on_tallied,
                                        &tally);
    }
  g_assert_cmpuint (confab_session_get_queued_signals (alice), ==, 3);

  fixture->server = test_server_new ();
  test_fault_proxy_set_upstream (fixture->proxy, confab_server_get_port (fixture->server));
  carol = test_join (fixture->server, fixture->session_id, CONFAB_ROLE_PUBLISHER, "Carol");
  carol_events = test_recorder_new (carol);
  test_fault_proxy_set_refusing (fixture->proxy, FALSE);
  confab_session_reconnect_now (alice);
  confab_session_reconnect_now (bob);

  test_recorder_wait_count (alice_events, "reconnected", 1);
  g_assert_cmpuint (test_recorder_count (alice_events, "reconnected fresh"), ==, 1);
  g_assert_cmpstr (test_id_of (alice), !=, old_alice);

  /* The queued signals went out once, on the new connection. */
  wait_tally (&tally, 3);
  g_assert_cmpuint (tally.failed, ==, 0);
  test_recorder_wait_count (carol_events, "signal chat", 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *line = g_strdup_printf ("signal chat while away %u %s", i, test_id_of (alice));

      g_assert_cmpuint (test_recorder_count (carol_events, line), ==, 1);
    }

  /* Alice's model is the new server's view: Bob's old connection went, his new one came. */
  test_recorder_wait_count (bob_events, "reconnected fresh", 1);
  {
    g_autofree char *bob_back = g_strdup_printf ("created %s", test_id_of (bob));
    g_autofree char *carol_came = g_strdup_printf ("created %s", test_id_of (carol));

    test_recorder_wait_count (alice_events, bob_back, 1);
    g_assert_cmpuint (test_recorder_count (alice_events, gone), ==, 1);
    g_assert_cmpuint (test_recorder_count (alice_events, carol_came), ==, 1);
  }
  g_assert_null (confab_session_lookup_connection (alice, old_bob));
  g_assert_null (confab_session_lookup_connection (alice, old_alice));
  g_assert_cmpuint (g_list_model_get_n_items (confab_session_get_connections (alice)), ==, 3);
  g_assert_true (confab_session_lookup_connection (alice, test_id_of (alice)) ==
                 confab_session_get_connection (alice));
}

static void
test_reconnect_timeout (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = join_via_proxy (fixture, "Alice");
  g_autoptr(TestRecorder) alice_events = test_recorder_new (alice);
  Tally tally = { 0 };

  g_object_set (alice, "reconnect-timeout", 1, NULL);
  test_fault_proxy_set_refusing (fixture->proxy, TRUE);
  test_fault_proxy_cut_all (fixture->proxy);
  test_wait_until (is_reconnecting, alice, "Alice to notice the cut");

  confab_session_send_signal_async (alice, "chat", "one", NULL, TRUE, NULL, on_tallied, &tally);
  confab_session_send_signal_async (alice, "chat", "two", NULL, TRUE, NULL, on_tallied, &tally);
  g_assert_cmpuint (confab_session_get_queued_signals (alice), ==, 2);

  /* Giving up is said out loud, and nothing queued is lost without a word. */
  test_recorder_wait_count (alice_events, "disconnected", 1);
  g_assert_cmpuint (test_recorder_count (alice_events, "disconnected networkDisconnected"), ==, 1);
  wait_tally (&tally, 2);
  g_assert_cmpuint (tally.failed, ==, 2);
  g_assert_error (tally.last_error, CONFAB_ERROR, CONFAB_ERROR_SIGNAL_DROPPED);
  g_clear_error (&tally.last_error);
  g_assert_cmpuint (confab_session_get_queued_signals (alice), ==, 0);
  g_assert_cmpint (confab_session_get_state (alice), ==, CONFAB_SESSION_STATE_DISCONNECTED);
}

static void
test_blip_inside_and_past_window (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = join_via_proxy (fixture, "Alice");
  g_autoptr(ConfabSession) watcher =
    test_join (fixture->server, fixture->session_id, CONFAB_ROLE_PUBLISHER, "Watcher");
  g_autoptr(TestRecorder) alice_events = test_recorder_new (alice);
  g_autoptr(TestRecorder) watcher_events = test_recorder_new (watcher);
  g_autofree char *first_alice = g_strdup (test_id_of (alice));
  g_autofree char *gone = g_strdup_printf ("destroyed %s networkDisconnected", first_alice);

  /* A blip: back within the window, and the watcher notices nothing. */
  test_fault_proxy_cut_all (fixture->proxy);
  test_recorder_wait_count (alice_events, "reconnected", 1);
  g_assert_cmpuint (test_recorder_count (alice_events, "reconnected resumed"), ==, 1);
  g_assert_cmpstr (test_id_of (alice), ==, first_alice);

  /* An outage longer than the window: the watcher sees Alice go, then come back anew. */
  g_object_set (fixture->server, "resume-window", 1, NULL);
  test_fault_proxy_set_refusing (fixture->proxy, TRUE);
  test_fault_proxy_cut_all (fixture->proxy);
  test_recorder_wait_count (watcher_events, gone, 1);
  g_assert_cmpuint (test_recorder_count (watcher_events, "destroyed"), ==, 1);

  test_fault_proxy_set_refusing (fixture->proxy, FALSE);
  confab_session_reconnect_now (alice);
  test_recorder_wait_count (alice_events, "reconnected", 2);
  g_assert_cmpuint (test_recorder_count (alice_events, "reconnected fresh"), ==, 1);
  {
    g_autofree char *back = g_strdup_printf ("created %s", test_id_of (alice));

    test_recorder_wait_count (watcher_events, back, 1);
  }
}

static gboolean
next_try_is_far (gpointer user_data)
{
  gint64 next = confab_session_get_next_reconnect_time (user_data);

  return next > g_get_monotonic_time () + G_USEC_PER_SEC;
}

static void
test_network_back (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = join_via_proxy (fixture, "Alice");
  g_autoptr(TestRecorder) alice_events = test_recorder_new (alice);
  gint64 scheduled;

  /* Down long enough for the backoff to schedule the next try over a second away. */
  test_fault_proxy_set_refusing (fixture->proxy, TRUE);
  test_fault_proxy_cut_all (fixture->proxy);
  test_wait_until (next_try_is_far, alice, "a reconnection attempt a second or more away");
  scheduled = confab_session_get_next_reconnect_time (alice);

  /* The network monitor says the network is back: the session tries at once instead. */
  test_fault_proxy_set_refusing (fixture->proxy, FALSE);
  g_signal_emit_by_name (g_network_monitor_get_default (), "network-changed", TRUE);
  test_recorder_wait_count (alice_events, "reconnected", 1);
  g_assert_cmpint (g_get_monotonic_time (), <, scheduled);
  g_assert_cmpuint (test_recorder_count (alice_events, "reconnected resumed"), ==, 1);
}

static void
test_server_drops_silent_links (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(ConfabSession) watcher = join_via_proxy (fixture, "Watcher");
  g_autoptr(TestRecorder) watcher_events = test_recorder_new (watcher);
  g_autoptr(ConfabSession) quiet = test_session_new (fixture->server, fixture->session_id);
  g_autofree char *token = test_token (fixture->session_id, CONFAB_ROLE_PUBLISHER, "Quiet");
  g_autofree char *gone = NULL;
  g_autoptr(GError) error = NULL;

  /* A client that never pings, on a link that stays open: only the server's own deadline can
   * tell it is gone. */
  g_object_set (fixture->server, "idle-timeout", 1, "resume-window", 1, NULL);
  g_object_set (quiet, "ping-interval", 0, "reconnect-timeout", 0, NULL);
  g_assert_true (test_session_connect (quiet, token, &error));
  g_assert_no_error (error);

  gone = g_strdup_printf ("destroyed %s networkDisconnected", test_id_of (quiet));
  test_recorder_wait_count (watcher_events, gone, 1);
  g_assert_cmpuint (confab_server_get_n_connections (fixture->server), ==, 1);

  /* The watcher, who pings, was never in doubt. */
  g_assert_cmpuint (test_recorder_count (watcher_events, "reconnecting"), ==, 0);
}

/* The chaos run: every client sends steadily while the proxy cuts links at random. */

typedef struct {
  ConfabSession *session;
  TestRecorder  *recorder;
  char          *id;
  guint          sent;
  Tally          tally;
} ChaosClient;

typedef struct {
  GPtrArray      *clients;
  TestFaultProxy *proxy;
  GRand          *rand;
  gboolean        running;
  guint           tick_id;
  guint           cut_id;
} Chaos;

static gboolean
on_chaos_tick (gpointer user_data)
{
  Chaos *chaos = user_data;

  for (guint i = 0; i < chaos->clients->len; i++)
    {
      ChaosClient *client = g_ptr_array_index (chaos->clients, i);
      g_autofree char *payload = g_strdup_printf ("%u", client->sent++);

      confab_session_send_signal_async (client->session, "n", payload, NULL, TRUE, NULL,
                                        on_tallied, &client->tally);
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
on_chaos_cut (gpointer user_data)
{
  Chaos *chaos = user_data;

  chaos->cut_id = 0;
  if (!chaos->running)
    return G_SOURCE_REMOVE;

  test_fault_proxy_cut_one (chaos->proxy, chaos->rand);
  chaos->cut_id = g_timeout_add (g_rand_int_range (chaos->rand, 50, 301), on_chaos_cut, chaos);
  return G_SOURCE_REMOVE;
}

static gboolean
on_chaos_over (gpointer user_data)
{
  ((Chaos *) user_data)->running = FALSE;
  return G_SOURCE_REMOVE;
}

static gboolean
chaos_is_over (gpointer user_data)
{
  return !((Chaos *) user_data)->running;
}

static void
test_chaos (Fixture       *fixture,
            gconstpointer  data)
{
  const guint n_clients = 10;
  guint seconds = 20;
  Chaos chaos = { 0 };
  guint total_sent = 0;
  guint delivered = 0;
  guint reconnects = 0;
  guint fresh = 0;

  if (g_getenv ("CONFAB_CHAOS_SECONDS") != NULL)
    seconds = MAX (1, atoi (g_getenv ("CONFAB_CHAOS_SECONDS")));

  chaos.clients = g_ptr_array_new ();
  chaos.proxy = fixture->proxy;
  chaos.rand = g_rand_new_with_seed (g_test_rand_int ());
  chaos.running = TRUE;

  for (guint i = 0; i < n_clients; i++)
    {
      ChaosClient *client = g_new0 (ChaosClient, 1);
      g_autofree char *name = g_strdup_printf ("chaos %u", i);

      client->session = join_via_proxy (fixture, name);
      client->recorder = test_recorder_new (client->session);
      client->id = g_strdup (test_id_of (client->session));
      g_ptr_array_add (chaos.clients, client);
    }

  /* Each client broadcasts every 50 ms; a random link is cut every 50–300 ms. */
  chaos.tick_id = g_timeout_add (50, on_chaos_tick, &chaos);
  chaos.cut_id = g_timeout_add (50, on_chaos_cut, &chaos);
  g_timeout_add_seconds (seconds, on_chaos_over, &chaos);
  {
    /* The run itself is bounded; the usual wait bound applies only to what follows. */
    while (!chaos_is_over (&chaos))
      g_main_context_iteration (NULL, TRUE);
  }
  g_clear_handle_id (&chaos.tick_id, g_source_remove);
  g_clear_handle_id (&chaos.cut_id, g_source_remove);

  for (guint i = 0; i < n_clients; i++)
    {
      ChaosClient *client = g_ptr_array_index (chaos.clients, i);

      wait_tally (&client->tally, client->sent);
      g_assert_no_error (client->tally.last_error);
      g_assert_cmpuint (client->tally.failed, ==, 0);
      total_sent += client->sent;
    }

  /* Every signal reached every client exactly once, in each sender's order. */
  for (guint r = 0; r < n_clients; r++)
    {
      ChaosClient *receiver = g_ptr_array_index (chaos.clients, r);

      test_recorder_wait_count (receiver->recorder, "signal n", total_sent);
      for (guint s = 0; s < n_clients; s++)
        {
          ChaosClient *sender = g_ptr_array_index (chaos.clients, s);
          g_autoptr(GArray) expected = g_array_new (FALSE, FALSE, sizeof (guint));

          for (guint n = 0; n < sender->sent; n++)
            g_array_append_val (expected, n);
          assert_exactly_once_in_order (receiver->recorder, sender->id, expected);
        }

      delivered += test_recorder_count (receiver->recorder, "signal n");
      reconnects += test_recorder_count (receiver->recorder, "reconnected");
      fresh += test_recorder_count (receiver->recorder, "reconnected fresh");
    }

  g_test_message ("chaos: %u s, %u clients, %u links cut, %u signals sent, %u delivered "
                  "(%u expected), %u reconnections (%u not resumed), 0 lost, 0 duplicated",
                  seconds, n_clients, test_fault_proxy_get_n_cuts (fixture->proxy), total_sent,
                  delivered, total_sent * n_clients, reconnects, fresh);
  g_assert_cmpuint (delivered, ==, total_sent * n_clients);
  g_assert_cmpuint (fresh, ==, 0);
  g_assert_cmpuint (test_fault_proxy_get_n_cuts (fixture->proxy), >, 0);

  for (guint i = 0; i < n_clients; i++)
    {
      ChaosClient *client = g_ptr_array_index (chaos.clients, i);

      test_recorder_free (client->recorder);
      g_object_unref (client->session);
      g_free (client->id);
      g_free (client);
    }
  g_ptr_array_unref (chaos.clients);
  g_rand_free (chaos.rand);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/reconnect/cut-under-steady-traffic", test_cut_under_steady_traffic);
  ADD ("/reconnect/black-hole", test_black_hole);
  ADD ("/reconnect/queued-while-down", test_queued_while_down);
  ADD ("/reconnect/server-restart", test_server_restart);
  ADD ("/reconnect/timeout", test_reconnect_timeout);
  ADD ("/reconnect/blip-inside-and-past-window", test_blip_inside_and_past_window);
  ADD ("/reconnect/network-back", test_network_back);
  ADD ("/reconnect/server-drops-silent-links", test_server_drops_silent_links);
  ADD ("/reconnect/chaos", test_chaos);

#undef ADD

  return g_test_run ();
}
