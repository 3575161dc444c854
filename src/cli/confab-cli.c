/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "confab-cli"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib-unix.h>
#include <locale.h>

#include "confab-cli-private.h"

/* confab-cli: a client of a Confab session for scripts, bots and tests. This file reads the
 * command line and holds what every command shares: joining, leaving and the exit status.
 * Each command lives in its own file; the event output, in confab-cli-events.c. */

/* How long leaving may take before the program stops waiting for the server. */
#define LEAVE_TIMEOUT_SECONDS 5

typedef struct {
  const char *name;
  const char *parameter_string;
  const char *summary;
  int       (*run) (ConfabCli *cli);
} CliCommand;

static const CliCommand commands[] = {
  { "send", "send [--to CONN_ID] [--type TYPE] [--] DATA",
    "Send one signal and exit once the server has accepted it.\n"
    "\n"
    "Without --to the signal goes to everyone in the session, this client included.\n"
    "DATA “-” reads the data from standard input, byte for byte (no newline is removed).\n"
    "Exits 0 once accepted; 1 with “confab-cli: SENTENCE (code N)” on standard error when\n"
    "the signal or the token is refused or the server cannot be reached; 2 on a usage error.",
    cli_run_send },
  { "listen", "listen [--json]",
    "Join the session and print every event until interrupted.\n"
    "\n"
    "Each line shows the time, the event, who (the connection data, or the connection id\n"
    "when it has none) and the text. With --json, lines are the JSON events of “connect”.\n"
    "SIGINT or SIGTERM leaves the session and exits 0; losing the session exits 1.",
    cli_run_listen },
  { "connect", "connect",
    "Join the session and speak JSON lines: commands on standard input, events on\n"
    "standard output.\n"
    "\n"
    "Commands, one a line (any may carry \"ref\", echoed in its result):\n"
    "  {\"op\":\"signal\",\"type\":\"chat\",\"data\":\"hi\"}            to everyone\n"
    "  {\"op\":\"signal\",\"data\":\"hi\",\"to\":\"CONN_ID\"}           to one connection\n"
    "  {\"op\":\"signal\",\"data\":\"hi\",\"retry_after_reconnect\":false}\n"
    "  {\"op\":\"force-disconnect\",\"connection_id\":\"CONN_ID\"}   (moderator)\n"
    "  {\"op\":\"leave\"}\n"
    "Events: connected, connection-created, connection-destroyed, signal, accepted, error,\n"
    "reconnecting, reconnected, queued, disconnected.\n"
    "At the end of input (or “leave”) it waits for pending sends, leaves and exits 0.\n"
    "Exits 1 when it cannot join or when the session ends otherwise.",
    cli_run_connect },
};

static const char *global_description =
  "Environment:\n"
  "  CONFAB_SERVER   the server, when --server is not given\n"
  "  CONFAB_TOKEN    the token, when --token is not given\n"
  "\n"
  "Exit status: 0 success, 1 refused or failed, 2 usage error.";

/* The program being run, for the output path, which has no other way to reach it. */
static ConfabCli *running_cli;
static gboolean output_broken;

static GOptionEntry *
global_entries (ConfabCli *cli)
{
  const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &cli->server_url,
      "The server, such as ws://127.0.0.1:4200 (or CONFAB_SERVER)", "URL" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &cli->token,
      "The token to join with (or CONFAB_TOKEN)", "TOKEN" },
    { "session", 0, 0, G_OPTION_ARG_STRING, &cli->session_id,
      "The session (default: the one the token names)", "SID" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &cli->version, "Print the version and exit", NULL },
    { NULL }
  };

  return g_memdup2 (entries, sizeof entries);
}

static GOptionEntry *
command_entries (ConfabCli  *cli,
                 const char *command)
{
  const GOptionEntry send_entries[] = {
    { "to", 0, 0, G_OPTION_ARG_STRING, &cli->to,
      "The connection to signal (default: everyone)", "CONN_ID" },
    { "type", 0, 0, G_OPTION_ARG_STRING, &cli->type,
      "The signal type: up to 128 bytes of A-Z a-z 0-9 - _ ~ (default: none)", "TYPE" },
    { NULL }
  };
  const GOptionEntry listen_entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "Print JSON lines, as “connect” does", NULL },
    { NULL }
  };
  const GOptionEntry no_entries[] = { { NULL } };

  if (g_strcmp0 (command, "send") == 0)
    return g_memdup2 (send_entries, sizeof send_entries);
  if (g_strcmp0 (command, "listen") == 0)
    return g_memdup2 (listen_entries, sizeof listen_entries);
  return g_memdup2 (no_entries, sizeof no_entries);
}

static gboolean
entries_take_value (const GOptionEntry *entries,
                    const char         *name,
                    gsize               length)
{
  for (const GOptionEntry *e = entries; e->long_name != NULL; e++)
    {
      if (strlen (e->long_name) == length && strncmp (e->long_name, name, length) == 0)
        return e->arg != G_OPTION_ARG_NONE;
    }

  return FALSE;
}

static gboolean
option_takes_value (ConfabCli  *cli,
                    const char *name,
                    gsize       length)
{
  g_autofree GOptionEntry *globals = global_entries (cli);

  if (entries_take_value (globals, name, length))
    return TRUE;

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree GOptionEntry *entries = command_entries (cli, commands[i].name);

      if (entries_take_value (entries, name, length))
        return TRUE;
    }

  return FALSE;
}

/* Options may come before or after the command word, so the word is found first, skipping
 * options and the values of those that take one; the options are then parsed for real with
 * that command's set, which also gives each command its own --help. */
static const char *
find_command_word (ConfabCli  *cli,
                   int         argc,
                   char      **argv)
{
  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];

      if (strcmp (arg, "--") == 0)
        return NULL;

      if (g_str_has_prefix (arg, "--"))
        {
          if (strchr (arg, '=') == NULL && option_takes_value (cli, arg + 2, strlen (arg + 2)))
            i++;
          continue;
        }

      if (arg[0] == '-' && arg[1] != '\0')
        continue;

      return arg;
    }

  return NULL;
}

static const CliCommand *
lookup_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (g_strcmp0 (commands[i].name, name) == 0)
        return &commands[i];
    }

  return NULL;
}

static GOptionContext *
new_option_context (ConfabCli        *cli,
                    const CliCommand *command)
{
  g_autofree GOptionEntry *globals = global_entries (cli);
  GOptionContext *context;

  if (command != NULL)
    {
      g_autofree GOptionEntry *entries = command_entries (cli, command->name);

      context = g_option_context_new (command->parameter_string);
      g_option_context_set_summary (context, command->summary);
      g_option_context_add_main_entries (context, entries, NULL);
    }
  else
    {
      context = g_option_context_new ("COMMAND [ARGUMENT…]");
      g_option_context_set_summary (context,
        "Take part in a Confab session from the command line.\n"
        "\n"
        "Commands:\n"
        "  send [--to CONN_ID] [--type TYPE] [--] DATA   send one signal\n"
        "  listen [--json]                               print every event\n"
        "  connect                                       JSON lines on stdin and stdout\n"
        "\n"
        "“confab-cli COMMAND --help” tells more about each. Options may come before or\n"
        "after the command.");
    }

  g_option_context_add_main_entries (context, globals, NULL);
  g_option_context_set_description (context, global_description);
  return context;
}

/**
 * cli_usage_error:
 * @format: a printf() format for one sentence
 * @...: its arguments
 *
 * Reports a command line that cannot be run, with a pointer to --help.
 *
 * Returns: %CLI_EXIT_USAGE
 */
int
cli_usage_error (const char *format,
                 ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "confab-cli: %s\nTry “confab-cli --help”.\n", message);
  return CLI_EXIT_USAGE;
}

static gboolean
server_url_is_valid (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *scheme;

  if (uri == NULL)
    return FALSE;

  scheme = g_uri_get_scheme (uri);
  return (g_ascii_strcasecmp (scheme, "ws") == 0 || g_ascii_strcasecmp (scheme, "wss") == 0) &&
         g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0';
}

/* What is left after GOption: the program, the command word and its arguments, with "--"
 * when GOption kept it (because an argument after it starts with '-'). */
static char **
collect_arguments (char **args)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  gboolean dashes_seen = FALSE;

  for (gsize i = 2; args[0] != NULL && args[1] != NULL && args[i] != NULL; i++)
    {
      if (!dashes_seen && strcmp (args[i], "--") == 0)
        {
          dashes_seen = TRUE;
          continue;
        }
      g_strv_builder_add (builder, args[i]);
    }

  return g_strv_builder_end (builder);
}

/* Returns FALSE when the program should exit at once with *@status: a usage error, or
 * --version. (--help prints and exits inside GOption.) */
static gboolean
parse_command_line (ConfabCli          *cli,
                    int                 argc,
                    char              **argv,
                    const CliCommand  **command_out,
                    int                *status)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = NULL;
  const CliCommand *command = NULL;
  const char *word;

  *status = CLI_EXIT_USAGE;

  word = find_command_word (cli, argc, argv);
  if (word != NULL)
    {
      command = lookup_command (word);
      if (command == NULL)
        {
          cli_usage_error ("unknown command “%s”; use send, listen or connect", word);
          return FALSE;
        }
    }

  context = new_option_context (cli, command);
  args = g_strdupv (argv);
  if (!g_option_context_parse_strv (context, &args, &error))
    {
      cli_usage_error ("%s", error->message);
      return FALSE;
    }

  if (cli->version)
    {
      printf ("confab-cli %s\n", PACKAGE_VERSION);
      *status = CLI_EXIT_OK;
      return FALSE;
    }

  if (command == NULL)
    {
      cli_usage_error ("no command given; use send, listen or connect");
      return FALSE;
    }

  if (g_strcmp0 (args[1], command->name) != 0)
    {
      cli_usage_error ("the command must come before “--”");
      return FALSE;
    }

  cli->args = collect_arguments (args);

  if (cli->server_url == NULL && g_getenv ("CONFAB_SERVER") != NULL)
    cli->server_url = g_strdup (g_getenv ("CONFAB_SERVER"));
  if (cli->token == NULL && g_getenv ("CONFAB_TOKEN") != NULL)
    cli->token = g_strdup (g_getenv ("CONFAB_TOKEN"));

  if (cli->server_url == NULL || *cli->server_url == '\0')
    {
      cli_usage_error ("no server: give --server ws://HOST:PORT or set CONFAB_SERVER");
      return FALSE;
    }
  if (!server_url_is_valid (cli->server_url))
    {
      cli_usage_error ("--server takes ws://HOST:PORT, not “%s”", cli->server_url);
      return FALSE;
    }
  if (cli->token == NULL || *cli->token == '\0')
    {
      cli_usage_error ("no token: give --token TOKEN or set CONFAB_TOKEN");
      return FALSE;
    }
  if (cli->session_id != NULL && *cli->session_id == '\0')
    g_clear_pointer (&cli->session_id, g_free);

  *command_out = command;
  *status = CLI_EXIT_OK;
  return TRUE;
}

static gboolean
on_output_broken (gpointer user_data)
{
  ConfabCli *cli = user_data;

  cli_connect_shutdown (cli);
  cli_leave (cli, CLI_EXIT_FAILURE);
  return G_SOURCE_REMOVE;
}

/**
 * cli_print_line:
 * @line: one line of output, without its newline
 *
 * Writes @line to standard output and flushes it, so a script reading the pipe sees every
 * event as it happens.
 */
void
cli_print_line (const char *line)
{
  int saved_errno;

  if (output_broken)
    return;

  fputs (line, stdout);
  fputc ('\n', stdout);
  if (fflush (stdout) == 0 && !ferror (stdout))
    return;

  /* Whoever read the output is gone (`listen | head -3`): leave properly instead of
   * lingering in the session as a connection that merely dropped. */
  saved_errno = errno;
  output_broken = TRUE;
  if (saved_errno != EPIPE)
    cli_print_error ("cannot write to standard output: %s", g_strerror (saved_errno));
  /* Not from here: this may run inside one of the session's own signal emissions. */
  if (running_cli != NULL)
    g_idle_add (on_output_broken, running_cli);
}

/**
 * cli_print_error:
 * @format: a printf() format for one sentence
 * @...: its arguments
 *
 * Writes "confab-cli: SENTENCE" to standard error.
 */
void
cli_print_error (const char *format,
                 ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "confab-cli: %s\n", message);
  fflush (stderr);
}

/**
 * cli_print_gerror:
 * @context: (nullable): what was being done, as the start of a sentence
 * @error: what went wrong
 *
 * Writes "confab-cli: CONTEXT: MESSAGE (code N)" to standard error, where N is the HTTP-like
 * status that `connect` gives in its error events for the same cause.
 */
void
cli_print_gerror (const char   *context,
                  const GError *error)
{
  if (context != NULL)
    cli_print_error ("%s: %s (code %u)", context, error->message, confab_error_to_status (error));
  else
    cli_print_error ("%s (code %u)", error->message, confab_error_to_status (error));
}

static gboolean
on_quit_idle (gpointer user_data)
{
  ConfabCli *cli = user_data;

  g_main_loop_quit (cli->loop);
  return G_SOURCE_REMOVE;
}

/**
 * cli_finish:
 * @cli: the program
 * @status: an exit status
 *
 * Ends the main loop with the worst status asked for. The loop ends from a low-priority idle
 * so that callbacks already due (a send failing as the session ends) still report.
 */
void
cli_finish (ConfabCli *cli,
            int        status)
{
  cli->status = MAX (cli->status, status);
  if (cli->done)
    return;

  cli->done = TRUE;
  g_idle_add_full (G_PRIORITY_LOW, on_quit_idle, cli, NULL);
}

static void
on_left (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  ConfabCli *cli = user_data;

  confab_session_disconnect_finish (CONFAB_SESSION (source), result, NULL);
  cli_finish (cli, cli->status);
}

static gboolean
on_leave_timeout (gpointer user_data)
{
  ConfabCli *cli = user_data;

  g_debug ("The server did not finish the close handshake in time");
  cli_finish (cli, cli->status);
  return G_SOURCE_REMOVE;
}

/**
 * cli_leave:
 * @cli: the program
 * @status: the exit status to leave with
 *
 * Leaves the session, waits until the server has been told, then ends the program. Safe to
 * call more than once: the worst status wins.
 */
void
cli_leave (ConfabCli *cli,
           int        status)
{
  cli->status = MAX (cli->status, status);
  if (cli->leaving)
    return;

  cli->leaving = TRUE;
  if (cli->session == NULL ||
      confab_session_get_state (cli->session) == CONFAB_SESSION_STATE_DISCONNECTED)
    {
      cli_finish (cli, cli->status);
      return;
    }

  /* The server must not hold a program that wants to exit. */
  g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, LEAVE_TIMEOUT_SECONDS, on_leave_timeout,
                              cli, NULL);
  confab_session_disconnect_async (cli->session, NULL, on_left, cli);
}

static void
on_joined (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  ConfabCli *cli = user_data;
  g_autoptr(GError) error = NULL;

  if (!confab_session_connect_finish (CONFAB_SESSION (source), result, &error))
    {
      /* Interrupted while joining: not a failure to report. */
      if (cli->leaving)
        {
          cli_finish (cli, cli->status);
          return;
        }
      cli_print_gerror ("cannot join the session", error);
      cli->joined_func (cli, error);
      return;
    }

  cli->joined_func (cli, NULL);
}

/**
 * cli_join:
 * @cli: the program, its options parsed
 * @joined_func: called once joined, or with the reason it could not
 *
 * Joins the session named by the options, printing its events as @cli's output mode says.
 */
void
cli_join (ConfabCli     *cli,
          CliJoinedFunc  joined_func)
{
  cli->session = confab_session_new (cli->server_url, cli->session_id);
  cli->joined_func = joined_func;
  cli_events_attach (cli);
  confab_session_connect_async (cli->session, cli->token, NULL, on_joined, cli);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  ConfabCli *cli = user_data;

  /* A second interrupt means "now". */
  if (cli->leaving)
    {
      cli->status = MAX (cli->status, CLI_EXIT_FAILURE);
      g_main_loop_quit (cli->loop);
      return G_SOURCE_CONTINUE;
    }

  /* Stopping listen or connect is the normal way out; stopping send loses the signal. */
  if (cli->output == CLI_OUTPUT_NONE)
    {
      cli_print_error ("interrupted before the server accepted the signal");
      cli_leave (cli, CLI_EXIT_FAILURE);
      return G_SOURCE_CONTINUE;
    }

  cli_connect_shutdown (cli);
  cli_leave (cli, CLI_EXIT_OK);
  return G_SOURCE_CONTINUE;
}

static void
cli_clear (ConfabCli *cli)
{
  cli_connect_shutdown (cli);
  g_clear_object (&cli->input);
  g_clear_object (&cli->input_cancellable);

  if (cli->session != NULL)
    {
      cli_events_detach (cli);
      g_clear_object (&cli->session);
    }

  g_clear_handle_id (&cli->sigint_id, g_source_remove);
  g_clear_handle_id (&cli->sigterm_id, g_source_remove);
  g_clear_pointer (&cli->loop, g_main_loop_unref);
  g_clear_pointer (&cli->server_url, g_free);
  g_clear_pointer (&cli->token, g_free);
  g_clear_pointer (&cli->session_id, g_free);
  g_clear_pointer (&cli->to, g_free);
  g_clear_pointer (&cli->type, g_free);
  g_clear_pointer (&cli->args, g_strfreev);
  g_clear_pointer (&cli->send_data, g_free);
}

int
main (int    argc,
      char **argv)
{
  ConfabCli cli = { 0 };
  const CliCommand *command = NULL;
  int status;

  setlocale (LC_ALL, "");

  if (!parse_command_line (&cli, argc, argv, &command, &status))
    {
      cli_clear (&cli);
      return status;
    }

  /* A closed output is noticed by the write that fails, and handled there. */
  signal (SIGPIPE, SIG_IGN);

  running_cli = &cli;
  cli.loop = g_main_loop_new (NULL, FALSE);
  cli.sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, &cli);
  cli.sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, &cli);

  status = command->run (&cli);

  running_cli = NULL;
  cli_clear (&cli);
  return status;
}
