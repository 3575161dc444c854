/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "confab-server-main"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib-unix.h>
#include <sys/resource.h>

#include "confab.h"

/* confab-server: the relay as a daemon, and two offline helpers that mint what clients need
 * (`token`, `session`). Everything it does is ConfabServer's; this file only reads options. */

static char *opt_api_key;
static char *opt_api_secret;

static const GOptionEntry credential_entries[] = {
  { "api-key", 0, 0, G_OPTION_ARG_STRING, &opt_api_key,
    "The project's API key (or CONFAB_API_KEY)", "KEY" },
  { "api-secret", 0, 0, G_OPTION_ARG_STRING, &opt_api_secret,
    "The project's API secret (or CONFAB_API_SECRET)", "SECRET" },
  { NULL }
};

static int
fail (const char *format,
      ...) G_GNUC_PRINTF (1, 2);

static int
fail (const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  fprintf (stderr, "confab-server: ");
  vfprintf (stderr, format, args);
  fprintf (stderr, "\n");
  va_end (args);
  return EXIT_FAILURE;
}

static gboolean
parse_options (GOptionContext  *context,
               int             *argc,
               char          ***argv,
               gboolean         need_secret)
{
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, credential_entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      fail ("%s", error->message);
      return FALSE;
    }

  if (opt_api_key == NULL)
    opt_api_key = g_strdup (g_getenv ("CONFAB_API_KEY"));
  if (opt_api_secret == NULL)
    opt_api_secret = g_strdup (g_getenv ("CONFAB_API_SECRET"));

  if (opt_api_key == NULL || *opt_api_key == '\0')
    {
      fail ("no API key: give --api-key or set CONFAB_API_KEY");
      return FALSE;
    }

  if (need_secret && (opt_api_secret == NULL || *opt_api_secret == '\0'))
    {
      fail ("no API secret: give --api-secret or set CONFAB_API_SECRET");
      return FALSE;
    }

  return TRUE;
}

/* HOST:PORT, [IPV6]:PORT, or a bare port. */
static gboolean
parse_listen (const char  *text,
              char       **host,
              guint       *port)
{
  g_autofree char *copy = g_strdup (text);
  const char *port_text = copy;
  char *colon = strrchr (copy, ':');
  guint64 value;

  *host = NULL;
  if (colon != NULL)
    {
      char *host_text = copy;

      *colon = '\0';
      port_text = colon + 1;
      if (host_text[0] == '[' && host_text[strlen (host_text) - 1] == ']')
        {
          host_text[strlen (host_text) - 1] = '\0';
          host_text++;
        }
      if (g_strcmp0 (host_text, "localhost") == 0)
        host_text = (char *) "127.0.0.1";
      *host = g_strdup (host_text);
    }

  if (!g_ascii_string_to_unsigned (port_text, 10, 0, G_MAXUINT16, &value, NULL))
    {
      g_clear_pointer (host, g_free);
      return FALSE;
    }

  *port = value;
  return TRUE;
}

/* Every connection is a file descriptor, and the usual soft limit of 1024 would cap the
 * server long before --max-connections does: take what the hard limit allows. */
static void
raise_file_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
        g_debug ("Could not raise the file descriptor limit");
    }
}

static gboolean
on_quit_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static int
run_server (int    argc,
            char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— relay Confab sessions");
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(ConfabServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *host = NULL;
  g_autofree char *url = NULL;
  int resume_window = 60;
  int max_connections = 20000;
  int idle_timeout = 45;
  int max_signal_rate = 0;
  guint port;
  const GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Where to listen (default 127.0.0.1:4200; port 0 picks a free one)", "HOST:PORT" },
    { "resume-window", 0, 0, G_OPTION_ARG_INT, &resume_window,
      "How long a dropped connection is kept for its client to resume (default 60)", "SECONDS" },
    { "max-connections", 0, 0, G_OPTION_ARG_INT, &max_connections,
      "How many connections at most (default 20000)", "N" },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout,
      "How long a silent link lives (default 45; 0: forever)", "SECONDS" },
    { "max-signal-rate", 0, 0, G_OPTION_ARG_INT, &max_signal_rate,
      "Signals a second one connection may send (default 0: no limit)", "N" },
    { NULL }
  };

  g_option_context_set_summary (context,
    "Commands:\n"
    "  confab-server [OPTION…]            run the relay\n"
    "  confab-server token [OPTION…]      mint a client token\n"
    "  confab-server invite [OPTION…]     make an invite link for the app\n"
    "  confab-server session [OPTION…]    make a new session id");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse_options (context, &argc, &argv, TRUE))
    return EXIT_FAILURE;

  if (argc > 1)
    return fail ("unknown command “%s”; see --help", argv[1]);

  if (!parse_listen (listen ? listen : "127.0.0.1:4200", &host, &port))
    return fail ("--listen takes HOST:PORT, such as 127.0.0.1:4200, not “%s”", listen);

  if (resume_window < 0 || max_connections < 1 || idle_timeout < 0 || max_signal_rate < 0)
    return fail ("--resume-window, --idle-timeout and --max-signal-rate must be 0 or more, "
                 "--max-connections 1 or more");

  raise_file_limit ();
  server = confab_server_new (opt_api_key, opt_api_secret);
  g_object_set (server,
                "resume-window", (guint) resume_window,
                "max-connections", (guint) max_connections,
                "idle-timeout", (guint) idle_timeout,
                "max-signal-rate", (guint) max_signal_rate,
                NULL);

  if (!confab_server_listen (server, host, port, &error))
    return fail ("cannot listen on %s: %s", listen ? listen : "127.0.0.1:4200", error->message);

  url = confab_server_dup_url (server);
  printf ("Listening on %s\n", url);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_quit_signal, loop);
  g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  g_main_loop_run (loop);

  confab_server_stop (server);
  g_debug ("Stopped");
  return EXIT_SUCCESS;
}

/* What `token` and `invite` both take: a session, a role and a lifetime. */
static gboolean
check_grant (const char *command,
             const char *session_id,
             const char *role_name,
             ConfabRole *role,
             gint64      expire_in)
{
  if (session_id == NULL)
    {
      fail ("%s: --session is required", command);
      return FALSE;
    }

  if (role_name != NULL && !confab_role_from_string (role_name, role))
    {
      fail ("%s: unknown role “%s”; use subscriber, publisher, publisheronly or moderator",
            command, role_name);
      return FALSE;
    }

  if (expire_in <= 0)
    {
      fail ("%s: --expire-in must be a number of seconds above 0", command);
      return FALSE;
    }

  return TRUE;
}

static int
run_token (int    argc,
           char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— mint a client token");
  g_autoptr(GError) error = NULL;
  g_autofree char *session_id = NULL;
  g_autofree char *role_name = NULL;
  g_autofree char *data = NULL;
  g_autofree char *token = NULL;
  ConfabRole role = CONFAB_ROLE_PUBLISHER;
  gint64 expire_in = CONFAB_TOKEN_DEFAULT_LIFETIME;
  const GOptionEntry entries[] = {
    { "session", 's', 0, G_OPTION_ARG_STRING, &session_id, "The session", "SID" },
    { "role", 'r', 0, G_OPTION_ARG_STRING, &role_name,
      "subscriber, publisher (default), publisheronly or moderator", "ROLE" },
    { "data", 'd', 0, G_OPTION_ARG_STRING, &data,
      "Connection data others see, such as a display name", "DATA" },
    { "expire-in", 'e', 0, G_OPTION_ARG_INT64, &expire_in,
      "Lifetime in seconds (default 86400)", "SECONDS" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse_options (context, &argc, &argv, TRUE))
    return EXIT_FAILURE;

  if (!check_grant ("token", session_id, role_name, &role, expire_in))
    return EXIT_FAILURE;

  token = confab_token_new (opt_api_key, opt_api_secret, session_id, role, data,
                            g_get_real_time () / G_USEC_PER_SEC + expire_in, &error);
  if (token == NULL)
    return fail ("token: %s", error->message);

  printf ("%s\n", token);
  return EXIT_SUCCESS;
}

static int
run_invite (int    argc,
            char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— make an invite link for the app");
  g_autoptr(GError) error = NULL;
  g_autofree char *session_id = NULL;
  g_autofree char *role_name = NULL;
  g_autofree char *url = NULL;
  g_autofree char *invite = NULL;
  g_autofree char *link = NULL;
  ConfabRole role = CONFAB_ROLE_PUBLISHER;
  gint64 expire_in = 7 * 24 * 60 * 60;
  const GOptionEntry entries[] = {
    { "session", 's', 0, G_OPTION_ARG_STRING, &session_id, "The session", "SID" },
    { "url", 'u', 0, G_OPTION_ARG_STRING, &url,
      "How clients reach this server (default ws://127.0.0.1:4200)", "ws://HOST:PORT" },
    { "role", 'r', 0, G_OPTION_ARG_STRING, &role_name,
      "The role of those who join with it (default publisher)", "ROLE" },
    { "expire-in", 'e', 0, G_OPTION_ARG_INT64, &expire_in,
      "Lifetime in seconds (default a week)", "SECONDS" },
    { NULL }
  };

  g_option_context_set_description (context,
    "Anyone with the link picks a display name and joins; the secret stays here.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse_options (context, &argc, &argv, TRUE))
    return EXIT_FAILURE;

  if (!check_grant ("invite", session_id, role_name, &role, expire_in))
    return EXIT_FAILURE;

  invite = confab_invite_new (opt_api_key, opt_api_secret, session_id, role,
                              g_get_real_time () / G_USEC_PER_SEC + expire_in, &error);
  if (invite == NULL)
    return fail ("invite: %s", error->message);

  link = confab_invite_link_new (url ? url : "ws://127.0.0.1:4200", session_id, invite);
  if (link == NULL)
    return fail ("invite: “%s” is not a server address; use ws://HOST:PORT", url);

  printf ("%s\n", link);
  return EXIT_SUCCESS;
}

static int
run_session (int    argc,
             char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— make a new session id");
  g_autofree char *session_id = NULL;

  if (!parse_options (context, &argc, &argv, FALSE))
    return EXIT_FAILURE;

  session_id = confab_session_id_new (opt_api_key);
  printf ("%s\n", session_id);
  return EXIT_SUCCESS;
}

int
main (int    argc,
      char **argv)
{
  int status;

  /* Arguments such as a display name with accents come in the user's locale. */
  setlocale (LC_ALL, "");

  if (argc > 1 && strcmp (argv[1], "token") == 0)
    status = run_token (argc - 1, argv + 1);
  else if (argc > 1 && strcmp (argv[1], "session") == 0)
    status = run_session (argc - 1, argv + 1);
  else if (argc > 1 && strcmp (argv[1], "invite") == 0)
    status = run_invite (argc - 1, argv + 1);
  else
    status = run_server (argc, argv);

  g_free (opt_api_key);
  g_free (opt_api_secret);
  return status;
}
