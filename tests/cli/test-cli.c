/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-cli"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "confab-test-util.h"

/* confab-cli as a user runs it: a real confab-server process on 127.0.0.1 with a port the
 * system picks, and real confab-cli processes, whose standard output is read line by line
 * as it comes. Every wait is bounded, so a hang fails the test instead of stalling it. */

#define API_KEY "cli-test-key"
#define API_SECRET "cli-test-secret"

static const char *server_binary;
static const char *cli_binary;
static GSubprocess *server;
static char *server_url;

/* ---- Processes ---- */

/* If the test dies on a failed assertion, its children must not outlive it. And they start
 * as from a shell: GIO ignores SIGPIPE in this process, which children would inherit. */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  signal (SIGPIPE, SIG_DFL);
}

static GSubprocessLauncher *
new_launcher (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  g_subprocess_launcher_unsetenv (launcher, "CONFAB_SERVER");
  g_subprocess_launcher_unsetenv (launcher, "CONFAB_TOKEN");
  return launcher;
}

static gboolean
result_is_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Runs a program to its end; returns its exit status. @env holds names and values in turn. */
static int
run_program (const char          *stdin_text,
             const char * const  *env,
             char               **out,
             char               **err,
             const char * const  *argv)
{
  g_autoptr(GSubprocessLauncher) launcher =
    new_launcher (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                  G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  g_autofree char *what = g_strdup_printf ("“%s %s” to finish", argv[0], argv[1]);

  for (gsize i = 0; env != NULL && env[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);

  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);

  g_subprocess_communicate_utf8_async (process, stdin_text, NULL, on_communicated, &result);
  test_wait_until (result_is_set, &result, what);

  g_subprocess_communicate_utf8_finish (process, result, &stdout_text, &stderr_text, &error);
  g_assert_no_error (error);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);

  if (stderr_text != NULL && *stderr_text != '\0')
    g_test_message ("%s %s said on stderr: %s", argv[0], argv[1], stderr_text);

  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);

  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

static char *
run_server_tool (const char * const *argv)
{
  g_autofree char *out = NULL;
  int status = run_program (NULL, NULL, &out, NULL, argv);

  g_assert_cmpint (status, ==, 0);
  g_strchomp (out);
  return g_steal_pointer (&out);
}

static char *
new_session_id (void)
{
  const char *argv[] = { server_binary, "session", "--api-key", API_KEY, NULL };

  return run_server_tool (argv);
}

static char *
mint_token (const char *session_id,
            const char *data,
            const char *role,
            const char *secret,
            const char *expire_in)
{
  const char *argv[] = {
    server_binary, "token", "--api-key", API_KEY, "--api-secret", secret ? secret : API_SECRET,
    "--session", session_id, "--data", data, "--role", role ? role : "publisher",
    "--expire-in", expire_in ? expire_in : "3600", NULL
  };

  return run_server_tool (argv);
}

/* ---- A long-running confab-cli (connect or listen) ---- */

typedef struct {
  char                *name;
  GSubprocess         *process;
  GDataInputStream    *stdout_lines;
  GQueue               lines;
  gboolean             eof;
  GOutputStream        *stderr_buffer;
  gboolean             stderr_done;
  gboolean             exited;
} Peer;

static void read_next_line (Peer *peer);

static void
on_line_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Peer *peer = user_data;
  g_autoptr(GError) error = NULL;
  char *line;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL,
                                                    &error);
  g_assert_no_error (error);
  if (line == NULL)
    {
      peer->eof = TRUE;
      return;
    }

  g_queue_push_tail (&peer->lines, line);
  read_next_line (peer);
}

static void
read_next_line (Peer *peer)
{
  g_data_input_stream_read_line_async (peer->stdout_lines, G_PRIORITY_DEFAULT, NULL,
                                       on_line_read, peer);
}

static void
on_stderr_spliced (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Peer *peer = user_data;
  g_autoptr(GError) error = NULL;

  g_output_stream_splice_finish (G_OUTPUT_STREAM (source), result, &error);
  g_assert_no_error (error);
  peer->stderr_done = TRUE;
}

static Peer *
peer_spawn_at (const char *url,
               const char *name,
               const char *command,
               const char *token,
               const char *extra_option)
{
  g_autoptr(GSubprocessLauncher) launcher =
    new_launcher (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                  G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GError) error = NULL;
  const char *argv[] = { cli_binary, command, "--server", url, "--token", token,
                         extra_option, NULL };
  Peer *peer = g_new0 (Peer, 1);

  peer->name = g_strdup (name);
  peer->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_queue_init (&peer->lines);

  peer->stdout_lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer->process));
  read_next_line (peer);

  peer->stderr_buffer = g_memory_output_stream_new_resizable ();
  g_output_stream_splice_async (peer->stderr_buffer,
                                g_subprocess_get_stderr_pipe (peer->process),
                                G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, G_PRIORITY_DEFAULT, NULL,
                                on_stderr_spliced, peer);
  return peer;
}

static gboolean
peer_has_line (gpointer data)
{
  Peer *peer = data;

  return !g_queue_is_empty (&peer->lines) || peer->eof;
}

static Peer *
peer_spawn (const char *name,
            const char *command,
            const char *token,
            const char *extra_option)
{
  return peer_spawn_at (server_url, name, command, token, extra_option);
}

/* The next line of output, or NULL once the output is closed. */
static char *
peer_read_line (Peer *peer)
{
  g_autofree char *what = g_strdup_printf ("a line from %s", peer->name);

  test_wait_until (peer_has_line, peer, what);
  return g_queue_pop_head (&peer->lines);
}

static JsonObject *
parse_event (Peer       *peer,
             const char *line)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  g_assert_true (json_object_has_member (json_node_get_object (root), "event"));
  return json_object_ref (json_node_get_object (root));
}

/* Logs what a peer printed, cut short: some lines hold 8 KiB of data. */
static void
log_line (Peer       *peer,
          const char *line)
{
  g_test_message ("%s: %.200s%s", peer->name, line, strlen (line) > 200 ? "…" : "");
}

/* The next event, which must be @name. */
static JsonObject *
peer_expect (Peer       *peer,
             const char *name)
{
  g_autofree char *line = peer_read_line (peer);
  JsonObject *event;

  if (line == NULL)
    g_error ("%s ended its output while “%s” was expected", peer->name, name);

  log_line (peer, line);
  event = parse_event (peer, line);
  if (g_strcmp0 (json_object_get_string_member (event, "event"), name) != 0)
    g_error ("%s printed %s while “%s” was expected", peer->name, line, name);

  return event;
}

/* The next signal, past joins and leaves (senders come and go around their signals). */
static JsonObject *
peer_next_signal (Peer *peer)
{
  for (;;)
    {
      g_autofree char *line = peer_read_line (peer);
      g_autoptr(JsonObject) event = NULL;
      const char *name;

      if (line == NULL)
        g_error ("%s ended its output while a signal was expected", peer->name);

      log_line (peer, line);
      event = parse_event (peer, line);
      name = json_object_get_string_member (event, "event");
      if (g_strcmp0 (name, "signal") == 0)
        return g_steal_pointer (&event);
      if (g_strcmp0 (name, "connection-created") != 0 &&
          g_strcmp0 (name, "connection-destroyed") != 0)
        g_error ("%s printed %s while a signal was expected", peer->name, line);
    }
}

static void
peer_write (Peer       *peer,
            const char *line)
{
  GOutputStream *input = g_subprocess_get_stdin_pipe (peer->process);
  g_autoptr(GError) error = NULL;

  g_test_message ("→ %s: %.200s", peer->name, line);
  g_output_stream_write_all (input, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (input, "\n", 1, NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
peer_close_input (Peer *peer)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_close (g_subprocess_get_stdin_pipe (peer->process), NULL, &error);
  g_assert_no_error (error);
}

static void
on_peer_exited (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Peer *peer = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  peer->exited = TRUE;
}

/* Waits for the process to end; returns its exit status. What it printed and was not read
 * stays readable. */
static int
peer_wait (Peer *peer)
{
  g_autofree char *what = g_strdup_printf ("%s to exit", peer->name);

  g_subprocess_wait_async (peer->process, NULL, on_peer_exited, peer);
  test_wait_for_flag (&peer->exited, what);
  test_wait_for_flag (&peer->stderr_done, what);
  test_wait_for_flag (&peer->eof, what);

  g_assert_true (g_subprocess_get_if_exited (peer->process));
  return g_subprocess_get_exit_status (peer->process);
}

static char *
peer_stderr (Peer *peer)
{
  GMemoryOutputStream *buffer = G_MEMORY_OUTPUT_STREAM (peer->stderr_buffer);
  gsize size = g_memory_output_stream_get_data_size (buffer);

  /* An empty stream has no buffer at all. */
  if (size == 0)
    return g_strdup ("");

  return g_strndup (g_memory_output_stream_get_data (buffer), size);
}

static void
peer_free (Peer *peer)
{
  if (!peer->exited)
    {
      g_subprocess_force_exit (peer->process);
      peer_wait (peer);
    }

  {
    g_autofree char *err = peer_stderr (peer);

    if (*err != '\0')
      g_test_message ("%s said on stderr: %s", peer->name, err);
  }

  g_queue_clear_full (&peer->lines, g_free);
  g_clear_object (&peer->stdout_lines);
  g_clear_object (&peer->stderr_buffer);
  g_clear_object (&peer->process);
  g_free (peer->name);
  g_free (peer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

/* Starts `confab-cli connect` and reads its "connected"; returns its connection id. */
static Peer *
peer_connect (const char  *name,
              const char  *token,
              char       **connection_id)
{
  Peer *peer = peer_spawn (name, "connect", token, NULL);
  g_autoptr(JsonObject) connected = peer_expect (peer, "connected");
  JsonObject *connection = json_object_get_object_member (connected, "connection");

  g_assert_cmpstr (json_object_get_string_member (connection, "data"), ==, name);
  *connection_id = g_strdup (json_object_get_string_member (connection, "id"));
  return peer;
}

static gboolean
connections_contain (JsonObject *event,
                     const char *connection_id)
{
  JsonArray *connections = json_object_get_array_member (event, "connections");

  for (guint i = 0; i < json_array_get_length (connections); i++)
    {
      JsonObject *connection = json_array_get_object_element (connections, i);

      if (g_strcmp0 (json_object_get_string_member (connection, "id"), connection_id) == 0)
        return TRUE;
    }

  return FALSE;
}

static void
assert_created (Peer       *peer,
                const char *connection_id,
                const char *data)
{
  g_autoptr(JsonObject) event = peer_expect (peer, "connection-created");
  JsonObject *connection = json_object_get_object_member (event, "connection");

  g_assert_cmpstr (json_object_get_string_member (connection, "id"), ==, connection_id);
  g_assert_cmpstr (json_object_get_string_member (connection, "data"), ==, data);
  g_assert_true (json_object_has_member (connection, "creation_time"));
}

static void
assert_destroyed (Peer       *peer,
                  const char *connection_id,
                  const char *reason)
{
  g_autoptr(JsonObject) event = peer_expect (peer, "connection-destroyed");

  g_assert_cmpstr (json_object_get_string_member (event, "connection_id"), ==, connection_id);
  g_assert_cmpstr (json_object_get_string_member (event, "reason"), ==, reason);
}

/* @from NULL: sent by some connection, which one not checked. */
static void
assert_signal (JsonObject *event,
               const char *type,
               const char *data,
               const char *from)
{
  g_assert_cmpstr (json_object_get_string_member (event, "event"), ==, "signal");
  g_assert_cmpstr (json_object_get_string_member (event, "type"), ==, type);
  g_assert_cmpstr (json_object_get_string_member (event, "data"), ==, data);
  if (from != NULL)
    g_assert_cmpstr (json_object_get_string_member (event, "from"), ==, from);
  else
    g_assert_nonnull (json_object_get_string_member (event, "from"));
}

/* The sender of a signal gets both its own copy and the acceptance, in either order. */
static void
assert_sent (Peer       *peer,
             const char *ref,
             const char *type,
             const char *data,
             const char *from)
{
  gboolean seen_signal = FALSE;
  gboolean seen_accepted = FALSE;

  while (!seen_signal || !seen_accepted)
    {
      g_autofree char *line = peer_read_line (peer);
      g_autoptr(JsonObject) event = NULL;
      const char *name;

      g_assert_nonnull (line);
      log_line (peer, line);
      event = parse_event (peer, line);
      name = json_object_get_string_member (event, "event");
      if (!seen_signal && g_strcmp0 (name, "signal") == 0)
        {
          assert_signal (event, type, data, from);
          seen_signal = TRUE;
        }
      else if (!seen_accepted && g_strcmp0 (name, "accepted") == 0)
        {
          g_assert_cmpstr (json_object_get_string_member (event, "ref"), ==, ref);
          seen_accepted = TRUE;
        }
      else
        g_error ("%s printed %s while its signal and “accepted” were expected", peer->name, line);
    }
}

static void
assert_error_event (JsonObject *event,
                    guint       code)
{
  g_assert_cmpstr (json_object_get_string_member (event, "event"), ==, "error");
  g_assert_cmpint (json_object_get_int_member (event, "code"), ==, code);
  g_assert_true (json_object_has_member (event, "ref"));
  g_assert_cmpstr (json_object_get_string_member (event, "message"), !=, "");
}

/* ---- Tests ---- */

/* Three `connect` processes: joins, a broadcast that reaches everyone including its sender, a
 * direct signal that reaches only its target, and a leave that the others see. */
static void
test_three_peers (void)
{
  g_autofree char *session_id = new_session_id ();
  g_autofree char *token_a = mint_token (session_id, "alice", NULL, NULL, NULL);
  g_autofree char *token_b = mint_token (session_id, "bob", NULL, NULL, NULL);
  g_autofree char *token_c = mint_token (session_id, "carol", NULL, NULL, NULL);
  g_autofree char *id_a = NULL;
  g_autofree char *id_b = NULL;
  g_autofree char *id_c = NULL;
  g_autofree char *direct = NULL;
  g_autoptr(Peer) a = NULL;
  g_autoptr(Peer) b = NULL;
  g_autoptr(Peer) c = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) b_signal = NULL;
  g_autoptr(JsonObject) c_signal = NULL;

  a = peer_connect ("alice", token_a, &id_a);
  b = peer_spawn ("bob", "connect", token_b, NULL);
  event = peer_expect (b, "connected");
  id_b = g_strdup (json_object_get_string_member (json_object_get_object_member (event,
                                                                                 "connection"),
                                                  "id"));
  g_assert_true (connections_contain (event, id_a));
  g_assert_true (connections_contain (event, id_b));
  assert_created (a, id_b, "bob");

  g_clear_pointer (&event, json_object_unref);
  c = peer_spawn ("carol", "connect", token_c, NULL);
  event = peer_expect (c, "connected");
  id_c = g_strdup (json_object_get_string_member (json_object_get_object_member (event,
                                                                                 "connection"),
                                                  "id"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (event, "connections")),
                    ==, 3);
  g_assert_true (connections_contain (event, id_a));
  g_assert_true (connections_contain (event, id_b));
  assert_created (a, id_c, "carol");
  assert_created (b, id_c, "carol");

  /* A broadcast reaches all three, its sender included. */
  peer_write (a, "{\"op\":\"signal\",\"type\":\"chat\",\"data\":\"hello all\",\"ref\":\"b1\"}");
  assert_sent (a, "b1", "chat", "hello all", id_a);
  b_signal = peer_next_signal (b);
  assert_signal (b_signal, "chat", "hello all", id_a);
  g_assert_false (json_object_get_boolean_member (b_signal, "direct"));
  c_signal = peer_next_signal (c);
  assert_signal (c_signal, "chat", "hello all", id_a);

  /* A direct signal reaches only carol: alice's and bob's next signal is carol's marker. */
  direct = g_strdup_printf ("{\"op\":\"signal\",\"type\":\"dm\",\"data\":\"just you\","
                            "\"to\":\"%s\",\"ref\":\"d1\"}", id_c);
  peer_write (b, direct);
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (b, "accepted");
  g_assert_cmpstr (json_object_get_string_member (event, "ref"), ==, "d1");
  g_clear_pointer (&c_signal, json_object_unref);
  c_signal = peer_next_signal (c);
  assert_signal (c_signal, "dm", "just you", id_b);
  g_assert_true (json_object_get_boolean_member (c_signal, "direct"));

  peer_write (c, "{\"op\":\"signal\",\"type\":\"marker\",\"data\":\"m1\",\"ref\":\"m1\"}");
  assert_sent (c, "m1", "marker", "m1", id_c);
  g_clear_pointer (&b_signal, json_object_unref);
  b_signal = peer_next_signal (b);
  assert_signal (b_signal, "marker", "m1", id_c);
  g_clear_pointer (&event, json_object_unref);
  event = peer_next_signal (a);
  assert_signal (event, "marker", "m1", id_c);

  /* Alice's input ends: she leaves cleanly, and the others see why. */
  peer_close_input (a);
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (a, "disconnected");
  g_assert_cmpstr (json_object_get_string_member (event, "reason"), ==, "clientDisconnected");
  g_assert_cmpint (peer_wait (a), ==, 0);
  assert_destroyed (b, id_a, "clientDisconnected");
  assert_destroyed (c, id_a, "clientDisconnected");

  /* "leave" works as the end of input does. */
  peer_write (b, "{\"op\":\"leave\"}");
  g_assert_cmpint (peer_wait (b), ==, 0);
  assert_destroyed (c, id_b, "clientDisconnected");

  peer_close_input (c);
  g_assert_cmpint (peer_wait (c), ==, 0);
}

static int
run_send (const char  *stdin_text,
          char       **err,
          const char  *token,
          const char  *first_arg,
          ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) cli_binary);
  g_ptr_array_add (argv, (gpointer) "send");
  g_ptr_array_add (argv, (gpointer) "--server");
  g_ptr_array_add (argv, server_url);
  g_ptr_array_add (argv, (gpointer) "--token");
  g_ptr_array_add (argv, (gpointer) token);

  va_start (args, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  return run_program (stdin_text, NULL, NULL, err, (const char * const *) argv->pdata);
}

static void
assert_refused (int         status,
                const char *err,
                const char *code)
{
  g_assert_cmpint (status, ==, 1);
  g_assert_true (g_str_has_prefix (err, "confab-cli: "));
  g_assert_nonnull (strstr (err, code));
}

/* `send`: exit 0 once accepted, with the signal seen by a listener; each invalid signal
 * exits 1 with its code, and the listener gets nothing from it. */
static void
test_send_command (void)
{
  g_autofree char *session_id = new_session_id ();
  g_autofree char *listener_token = mint_token (session_id, "listener", NULL, NULL, NULL);
  g_autofree char *sender_token = mint_token (session_id, "sender", NULL, NULL, NULL);
  g_autofree char *type_128 = g_strnfill (128, 't');
  g_autofree char *type_129 = g_strnfill (129, 't');
  g_autofree char *data_8192 = g_strnfill (8192, 'd');
  g_autofree char *data_8193 = g_strnfill (8193, 'd');
  g_autofree char *listener_id = NULL;
  g_autoptr(Peer) listener = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autofree char *sender_id = NULL;
  char *err = NULL;
  int status;

  listener = peer_connect ("listener", listener_token, &listener_id);

  /* Options after the command word, and the server and token from the environment. */
  {
    const char *env[] = { "CONFAB_SERVER", server_url, "CONFAB_TOKEN", sender_token, NULL };
    const char *argv[] = { cli_binary, "send", "hello there", "--type", "chat", NULL };

    status = run_program (NULL, env, NULL, &err, argv);
    g_assert_cmpint (status, ==, 0);
    g_assert_cmpstr (err, ==, "");
    g_clear_pointer (&err, g_free);
  }

  event = peer_expect (listener, "connection-created");
  sender_id = g_strdup (json_object_get_string_member (
    json_object_get_object_member (event, "connection"), "id"));
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (listener, "signal");
  assert_signal (event, "chat", "hello there", sender_id);
  assert_destroyed (listener, sender_id, "clientDisconnected");

  /* The limits, at their boundary. */
  status = run_send (NULL, &err, sender_token, "--type", type_129, "x", NULL);
  assert_refused (status, err, "(code 413)");
  g_assert_nonnull (strstr (err, "129"));
  g_clear_pointer (&err, g_free);

  status = run_send (NULL, &err, sender_token, "--type", "no spaces", "x", NULL);
  assert_refused (status, err, "(code 400)");
  g_clear_pointer (&err, g_free);

  status = run_send (NULL, &err, sender_token, "--", data_8193, NULL);
  assert_refused (status, err, "(code 413)");
  g_assert_nonnull (strstr (err, "8193"));
  g_clear_pointer (&err, g_free);

  status = run_send (NULL, &err, sender_token, "--to", "00000000-0000-0000-0000-000000000000",
                     "x", NULL);
  assert_refused (status, err, "(code 404)");
  g_clear_pointer (&err, g_free);

  /* Data over the limit on standard input is refused the same way. */
  status = run_send (data_8193, &err, sender_token, "-", NULL);
  assert_refused (status, err, "(code 413)");
  g_clear_pointer (&err, g_free);

  /* Nothing of those reached the listener: its next signal is the maximal valid one, read
   * from standard input byte for byte. */
  status = run_send (data_8192, &err, sender_token, "--type", type_128, "-", NULL);
  g_assert_cmpint (status, ==, 0);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&event, json_object_unref);
  event = peer_next_signal (listener);
  g_assert_cmpstr (json_object_get_string_member (event, "type"), ==, type_128);
  g_assert_cmpstr (json_object_get_string_member (event, "data"), ==, data_8192);

  /* A direct signal by `send --to`. */
  status = run_send (NULL, &err, sender_token, "--to", listener_id, "--type", "dm", "psst",
                     NULL);
  g_assert_cmpint (status, ==, 0);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&event, json_object_unref);
  event = peer_next_signal (listener);
  g_assert_cmpstr (json_object_get_string_member (event, "type"), ==, "dm");
  g_assert_cmpstr (json_object_get_string_member (event, "data"), ==, "psst");

  /* Usage errors exit 2. */
  status = run_send (NULL, &err, sender_token, NULL);
  g_assert_cmpint (status, ==, 2);
  g_clear_pointer (&err, g_free);
  status = run_send (NULL, &err, sender_token, "a", "b", NULL);
  g_assert_cmpint (status, ==, 2);
  g_clear_pointer (&err, g_free);

  peer_close_input (listener);
  g_assert_cmpint (peer_wait (listener), ==, 0);
}

/* Tokens the server refuses, and no server at all: each `send`, `connect` and `listen` exits
 * non-zero and says why. */
static void
test_refused (void)
{
  g_autofree char *session_id = new_session_id ();
  g_autofree char *expiring = mint_token (session_id, "brief", NULL, NULL, "1");
  g_autofree char *wrong_secret = mint_token (session_id, "forger", NULL, "not-the-secret", NULL);
  g_autofree char *good = mint_token (session_id, "good", NULL, NULL, NULL);
  g_autofree char *dead_url = NULL;
  gint64 expiry = g_get_real_time () / G_USEC_PER_SEC + 1;
  char *err = NULL;
  int status;

  status = run_send (NULL, &err, wrong_secret, "x", NULL);
  assert_refused (status, err, "(code 401)");
  g_clear_pointer (&err, g_free);

  status = run_send (NULL, &err, "garbage", "x", NULL);
  assert_refused (status, err, "(code 401)");
  g_clear_pointer (&err, g_free);

  {
    g_autoptr(Peer) peer = peer_spawn ("forger", "connect", wrong_secret, NULL);
    g_autofree char *peer_err = NULL;

    g_assert_cmpint (peer_wait (peer), ==, 1);
    g_assert_null (peer_read_line (peer));
    peer_err = peer_stderr (peer);
    assert_refused (1, peer_err, "(code 401)");
  }

  {
    g_autoptr(Peer) peer = peer_spawn ("garbage", "listen", "garbage", NULL);
    g_autofree char *peer_err = NULL;

    g_assert_cmpint (peer_wait (peer), ==, 1);
    peer_err = peer_stderr (peer);
    assert_refused (1, peer_err, "(code 401)");
  }

  /* A port where nothing listens: bind one, then let it go. */
  {
    g_autoptr(GSocket) socket = NULL;
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
    g_autoptr(GSocketAddress) bound = NULL;
    g_autoptr(GError) error = NULL;

    socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                           G_SOCKET_PROTOCOL_TCP, &error);
    g_assert_no_error (error);
    g_socket_bind (socket, address, FALSE, &error);
    g_assert_no_error (error);
    bound = g_socket_get_local_address (socket, &error);
    g_assert_no_error (error);
    dead_url = g_strdup_printf ("ws://127.0.0.1:%u",
                                g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
    g_socket_close (socket, NULL);
  }

  {
    const char *argv[] = { cli_binary, "send", "--server", dead_url, "--token", good, "x", NULL };

    status = run_program (NULL, NULL, NULL, &err, argv);
    g_assert_cmpint (status, ==, 1);
    g_assert_true (g_str_has_prefix (err, "confab-cli: "));
    g_assert_nonnull (strstr (err, "Could not reach the server"));
    g_assert_nonnull (strstr (err, "(code 503)"));
    g_clear_pointer (&err, g_free);
  }

  {
    const char *argv[] = { cli_binary, "connect", "--server", dead_url, "--token", good, NULL };
    g_autofree char *out = NULL;

    status = run_program ("", NULL, &out, &err, argv);
    g_assert_cmpint (status, ==, 1);
    g_assert_cmpstr (out, ==, "");
    g_assert_true (g_str_has_prefix (err, "confab-cli: "));
    g_clear_pointer (&err, g_free);
  }

  /* Wait the expiring token out; the server counts whole seconds. */
  while (g_get_real_time () / G_USEC_PER_SEC <= expiry + 1)
    g_usleep (100 * 1000);

  status = run_send (NULL, &err, expiring, "x", NULL);
  assert_refused (status, err, "(code 401)");
  g_assert_nonnull (strstr (err, "expired"));
  g_clear_pointer (&err, g_free);
}

/* `connect` reports lines it cannot use as error events and keeps working. */
static void
test_connect_bad_input (void)
{
  g_autofree char *session_id = new_session_id ();
  g_autofree char *token = mint_token (session_id, "typist", NULL, NULL, NULL);
  g_autofree char *id = NULL;
  g_autoptr(Peer) peer = NULL;
  g_autoptr(JsonObject) event = NULL;

  peer = peer_connect ("typist", token, &id);

  peer_write (peer, "this is not JSON");
  event = peer_expect (peer, "error");
  assert_error_event (event, 400);
  g_assert_true (json_object_get_null_member (event, "ref"));
  g_assert_nonnull (strstr (json_object_get_string_member (event, "message"), "not JSON"));

  peer_write (peer, "{\"op\":\"signal\",\"data\":42,\"ref\":\"r1\"}");
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (peer, "error");
  assert_error_event (event, 400);
  g_assert_cmpstr (json_object_get_string_member (event, "ref"), ==, "r1");
  g_assert_nonnull (strstr (json_object_get_string_member (event, "message"), "data"));

  /* Any JSON value is a ref, and comes back as it was. */
  peer_write (peer, "{\"op\":\"signal\",\"to\":7,\"ref\":{\"n\":[1,2]}}");
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (peer, "error");
  assert_error_event (event, 400);
  {
    JsonObject *ref = json_object_get_object_member (event, "ref");

    g_assert_nonnull (ref);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (ref, "n")), ==, 2);
  }

  peer_write (peer, "{\"op\":\"signal\",\"retry_after_reconnect\":\"yes\",\"ref\":3}");
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (peer, "error");
  assert_error_event (event, 400);
  g_assert_cmpint (json_object_get_int_member (event, "ref"), ==, 3);

  peer_write (peer, "[\"op\",\"signal\"]");
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (peer, "error");
  assert_error_event (event, 400);

  peer_write (peer, "{\"op\":\"dance\",\"ref\":4}");
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (peer, "error");
  assert_error_event (event, 400);
  g_assert_cmpint (json_object_get_int_member (event, "ref"), ==, 4);

  peer_write (peer, "{\"ref\":5}");
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (peer, "error");
  assert_error_event (event, 400);

  /* A misspelt "to" must not turn into a broadcast. */
  peer_write (peer, "{\"op\":\"signal\",\"data\":\"x\",\"too\":\"someone\",\"ref\":6}");
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (peer, "error");
  assert_error_event (event, 400);

  /* The library's refusals come back with their own codes. */
  peer_write (peer, "{\"op\":\"signal\",\"type\":\"no spaces\",\"ref\":7}");
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (peer, "error");
  assert_error_event (event, 400);
  g_assert_cmpint (json_object_get_int_member (event, "ref"), ==, 7);

  peer_write (peer, "{\"op\":\"signal\",\"to\":\"00000000-0000-0000-0000-000000000000\","
                    "\"ref\":8}");
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (peer, "error");
  assert_error_event (event, 404);
  g_assert_cmpint (json_object_get_int_member (event, "ref"), ==, 8);

  /* Still working. */
  peer_write (peer, "{\"op\":\"signal\",\"type\":\"chat\",\"data\":\"still here\","
                    "\"ref\":\"ok\"}");
  assert_sent (peer, "ok", "chat", "still here", id);

  peer_close_input (peer);
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (peer, "disconnected");
  g_assert_cmpint (peer_wait (peer), ==, 0);
}

/* `listen` shows a signal to a person, and `listen --json` to a script. */
static void
test_listen (void)
{
  g_autofree char *session_id = new_session_id ();
  g_autofree char *human_token = mint_token (session_id, "reader", NULL, NULL, NULL);
  g_autofree char *json_token = mint_token (session_id, "robot", NULL, NULL, NULL);
  g_autofree char *sender_token = mint_token (session_id, "zoe", NULL, NULL, NULL);
  g_autoptr(Peer) human = NULL;
  g_autoptr(Peer) robot = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autofree char *line = NULL;
  char *err = NULL;

  human = peer_spawn ("reader", "listen", human_token, NULL);
  line = peer_read_line (human);
  log_line (human, line);
  g_assert_nonnull (strstr (line, "connected"));
  g_assert_nonnull (strstr (line, "reader"));
  g_clear_pointer (&line, g_free);

  robot = peer_spawn ("robot", "listen", json_token, "--json");
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (robot, "connected");

  g_assert_cmpint (run_send (NULL, &err, sender_token, "--type", "greeting", "Hello,\nwörld",
                             NULL), ==, 0);
  g_clear_pointer (&err, g_free);

  g_clear_pointer (&event, json_object_unref);
  event = peer_next_signal (robot);
  g_assert_cmpstr (json_object_get_string_member (event, "type"), ==, "greeting");
  g_assert_cmpstr (json_object_get_string_member (event, "data"), ==, "Hello,\nwörld");

  /* One line per event: the sender's name, the type and the text, the newline shown. */
  for (;;)
    {
      line = peer_read_line (human);
      g_assert_nonnull (line);
      log_line (human, line);
      if (strstr (line, "signal") != NULL)
        break;
      g_clear_pointer (&line, g_free);
    }
  g_assert_nonnull (strstr (line, "zoe"));
  g_assert_nonnull (strstr (line, "greeting"));
  g_assert_nonnull (strstr (line, "Hello,\\nwörld"));
  g_clear_pointer (&line, g_free);

  /* SIGTERM and SIGINT leave cleanly. */
  g_subprocess_send_signal (robot->process, SIGTERM);
  g_assert_cmpint (peer_wait (robot), ==, 0);
  g_subprocess_send_signal (human->process, SIGINT);
  g_assert_cmpint (peer_wait (human), ==, 0);
}

/* When whoever reads the output goes away (`listen | head -3`), `listen` leaves properly:
 * the others see it leave, not a connection that merely dropped. */
static void
test_listen_output_closed (void)
{
  g_autofree char *session_id = new_session_id ();
  g_autofree char *observer_token = mint_token (session_id, "observer", NULL, NULL, NULL);
  g_autofree char *listener_token = mint_token (session_id, "reader-gone", NULL, NULL, NULL);
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) listener = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Peer) observer = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autofree char *observer_id = NULL;
  g_autofree char *listener_id = NULL;
  const char *argv[] = { cli_binary, "listen", "--server", server_url, "--token",
                         listener_token, NULL };
  int fds[2];

  observer = peer_connect ("observer", observer_token, &observer_id);

  /* A pipe nobody reads: its read end is closed before the listener writes anything. */
  g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, &error));
  g_assert_no_error (error);
  g_close (fds[0], NULL);
  g_subprocess_launcher_take_stdout_fd (launcher, fds[1]);
  listener = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);

  event = peer_expect (observer, "connection-created");
  listener_id = g_strdup (json_object_get_string_member (
    json_object_get_object_member (event, "connection"), "id"));
  assert_destroyed (observer, listener_id, "clientDisconnected");

  g_subprocess_wait (listener, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (listener));
  g_assert_cmpint (g_subprocess_get_exit_status (listener), ==, 1);

  peer_close_input (observer);
  g_assert_cmpint (peer_wait (observer), ==, 0);
}

/* A moderator's force-disconnect removes another `connect`, which says so and exits
 * non-zero; everyone else sees why it went. */
static void
test_force_disconnect_command (void)
{
  g_autofree char *session_id = new_session_id ();
  g_autofree char *moderator_token = mint_token (session_id, "mod", "moderator", NULL, NULL);
  g_autofree char *victim_token = mint_token (session_id, "victim", NULL, NULL, NULL);
  g_autofree char *witness_token = mint_token (session_id, "witness", NULL, NULL, NULL);
  g_autofree char *moderator_id = NULL;
  g_autofree char *victim_id = NULL;
  g_autofree char *witness_id = NULL;
  g_autofree char *command = NULL;
  g_autoptr(Peer) moderator = NULL;
  g_autoptr(Peer) victim = NULL;
  g_autoptr(Peer) witness = NULL;
  g_autoptr(JsonObject) event = NULL;
  gboolean seen_accepted = FALSE;
  gboolean seen_destroyed = FALSE;

  moderator = peer_connect ("mod", moderator_token, &moderator_id);
  victim = peer_connect ("victim", victim_token, &victim_id);
  assert_created (moderator, victim_id, "victim");
  witness = peer_connect ("witness", witness_token, &witness_id);
  assert_created (moderator, witness_id, "witness");
  assert_created (victim, witness_id, "witness");

  /* Without the moderator role it is refused. */
  command = g_strdup_printf ("{\"op\":\"force-disconnect\",\"connection_id\":\"%s\","
                             "\"ref\":\"no\"}", moderator_id);
  peer_write (witness, command);
  event = peer_expect (witness, "error");
  assert_error_event (event, 403);
  g_assert_cmpstr (json_object_get_string_member (event, "ref"), ==, "no");
  g_clear_pointer (&command, g_free);

  command = g_strdup_printf ("{\"op\":\"force-disconnect\",\"connection_id\":\"%s\","
                             "\"ref\":\"out\"}", victim_id);
  peer_write (moderator, command);

  while (!seen_accepted || !seen_destroyed)
    {
      g_autofree char *line = peer_read_line (moderator);
      g_autoptr(JsonObject) moderator_event = NULL;
      const char *name;

      g_assert_nonnull (line);
      log_line (moderator, line);
      moderator_event = parse_event (moderator, line);
      name = json_object_get_string_member (moderator_event, "event");
      if (g_strcmp0 (name, "accepted") == 0)
        {
          g_assert_cmpstr (json_object_get_string_member (moderator_event, "ref"), ==, "out");
          seen_accepted = TRUE;
        }
      else if (g_strcmp0 (name, "connection-destroyed") == 0)
        {
          g_assert_cmpstr (json_object_get_string_member (moderator_event, "connection_id"), ==,
                           victim_id);
          g_assert_cmpstr (json_object_get_string_member (moderator_event, "reason"), ==,
                           "forceDisconnected");
          seen_destroyed = TRUE;
        }
      else
        g_error ("mod printed %s", line);
    }

  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (victim, "disconnected");
  g_assert_cmpstr (json_object_get_string_member (event, "reason"), ==, "forceDisconnected");
  g_assert_cmpint (peer_wait (victim), !=, 0);

  assert_destroyed (witness, victim_id, "forceDisconnected");

  peer_close_input (witness);
  g_assert_cmpint (peer_wait (witness), ==, 0);
  assert_destroyed (moderator, witness_id, "clientDisconnected");
  peer_close_input (moderator);
  g_assert_cmpint (peer_wait (moderator), ==, 0);
}

/* ---- The server ---- */

/* Starts confab-server on 127.0.0.1:@port (0: the system picks) and returns its URL. */
static GSubprocess *
start_server (guint   port,
              char  **url)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", port);
  g_autofree char *line = NULL;
  const char *prefix = "Listening on ";

  process = g_subprocess_launcher_spawn (launcher, &error, server_binary, "--listen", listen,
                                         "--api-key", API_KEY, "--api-secret", API_SECRET,
                                         NULL);
  g_assert_no_error (error);

  /* The first line names the port; a blocking read is bounded by the server's start-up. */
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, prefix));
  *url = g_strdup (line + strlen (prefix));
  g_test_message ("Server at %s", *url);
  return g_steal_pointer (&process);
}

static void
stop_server (GSubprocess *process)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

/* The server goes away and comes back: `connect` says it is reconnecting, queues what it
 * may, refuses what may not wait, and sends the queue once the link is back. */
static void
test_reconnect (void)
{
  g_autofree char *session_id = new_session_id ();
  g_autofree char *token = mint_token (session_id, "steady", NULL, NULL, NULL);
  g_autofree char *url = NULL;
  g_autofree char *second_url = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GSubprocess) own_server = NULL;
  g_autoptr(GSubprocess) second_server = NULL;
  g_autoptr(Peer) peer = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(GUri) uri = NULL;
  gboolean seen_queued = FALSE;
  gboolean seen_reconnected = FALSE;

  own_server = start_server (0, &url);
  peer = peer_spawn_at (url, "steady", "connect", token, NULL);
  event = peer_expect (peer, "connected");

  stop_server (own_server);
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (peer, "reconnecting");

  peer_write (peer, "{\"op\":\"signal\",\"type\":\"later\",\"data\":\"kept\",\"ref\":\"q\"}");
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (peer, "queued");
  g_assert_cmpint (json_object_get_int_member (event, "count"), ==, 1);

  peer_write (peer, "{\"op\":\"signal\",\"data\":\"now or never\","
                    "\"retry_after_reconnect\":false,\"ref\":\"nr\"}");
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (peer, "error");
  assert_error_event (event, 500);
  g_assert_cmpstr (json_object_get_string_member (event, "ref"), ==, "nr");

  /* The same address again; the new server has never heard of the old connection. */
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  second_server = start_server (g_uri_get_port (uri), &second_url);
  g_assert_cmpstr (second_url, ==, url);

  while (!seen_queued || !seen_reconnected)
    {
      g_autofree char *line = peer_read_line (peer);
      g_autoptr(JsonObject) peer_event = NULL;
      const char *name;

      g_assert_nonnull (line);
      log_line (peer, line);
      peer_event = parse_event (peer, line);
      name = json_object_get_string_member (peer_event, "event");
      if (g_strcmp0 (name, "queued") == 0)
        {
          g_assert_cmpint (json_object_get_int_member (peer_event, "count"), ==, 0);
          seen_queued = TRUE;
        }
      else if (g_strcmp0 (name, "reconnected") == 0)
        {
          g_assert_false (json_object_get_boolean_member (peer_event, "resumed"));
          seen_reconnected = TRUE;
        }
      else
        g_error ("steady printed %s while “queued” and “reconnected” were expected", line);
    }

  /* The queued signal went out on the new connection, whose id no event names. */
  assert_sent (peer, "q", "later", "kept", NULL);

  peer_close_input (peer);
  g_clear_pointer (&event, json_object_unref);
  event = peer_expect (peer, "disconnected");
  g_assert_cmpstr (json_object_get_string_member (event, "reason"), ==, "clientDisconnected");
  g_assert_cmpint (peer_wait (peer), ==, 0);

  stop_server (second_server);
}

typedef struct {
  gboolean  done;
  char     *token;
  GError   *error;
} Redeemed;

static void
on_redeemed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Redeemed *redeemed = user_data;

  confab_invite_redeem_finish (result, NULL, NULL, &redeemed->token, &redeemed->error);
  redeemed->done = TRUE;
}

/* confab-server invite makes a link a person pastes into the app: it names this server and
 * this session, and gets a joiner a token with the name they chose. */
static void
test_server_invite (void)
{
  g_autofree char *session_id = new_session_id ();
  const char *argv[] = { server_binary, "invite", "--api-key", API_KEY, "--api-secret",
                         API_SECRET, "--session", session_id, "--url", server_url, NULL };
  const char *bad_argv[] = { server_binary, "invite", "--api-key", API_KEY, "--api-secret",
                             API_SECRET, "--session", session_id, "--url", "not a url", NULL };
  g_autofree char *link = run_server_tool (argv);
  g_autofree char *err = NULL;
  g_autoptr(ConfabSession) session = NULL;
  g_autoptr(GError) error = NULL;
  Redeemed redeemed = { 0 };

  g_assert_true (g_str_has_prefix (link, "confab://127.0.0.1:"));

  confab_invite_redeem_async (link, "Zoë", NULL, on_redeemed, &redeemed);
  test_wait_for_flag (&redeemed.done, "the invite to be redeemed");
  g_assert_no_error (redeemed.error);

  session = confab_session_new (server_url, session_id);
  g_assert_true (test_session_connect (session, redeemed.token, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (confab_connection_get_data (confab_session_get_connection (session)), ==,
                   "Zoë");
  test_leave (session);
  g_free (redeemed.token);

  g_assert_cmpint (run_program (NULL, NULL, NULL, &err, bad_argv), ==, 1);
  g_assert_nonnull (strstr (err, "not a server address"));
}

int
main (int    argc,
      char **argv)
{
  int status;

  test_init (&argc, &argv);

  server_binary = g_getenv ("CONFAB_SERVER_BINARY");
  cli_binary = g_getenv ("CONFAB_CLI_BINARY");
  /* tests/cli/meson.build sets both. */
  g_assert_nonnull (server_binary);
  g_assert_nonnull (cli_binary);

  g_test_add_func ("/cli/connect/three-peers", test_three_peers);
  g_test_add_func ("/cli/connect/bad-input", test_connect_bad_input);
  g_test_add_func ("/cli/connect/force-disconnect", test_force_disconnect_command);
  g_test_add_func ("/cli/send", test_send_command);
  g_test_add_func ("/cli/refused", test_refused);
  g_test_add_func ("/cli/listen", test_listen);
  g_test_add_func ("/cli/listen/output-closed", test_listen_output_closed);
  g_test_add_func ("/cli/connect/reconnect", test_reconnect);
  g_test_add_func ("/cli/server-invite", test_server_invite);

  server = start_server (0, &server_url);
  status = g_test_run ();
  stop_server (server);
  g_clear_object (&server);
  g_clear_pointer (&server_url, g_free);

  return status;
}
