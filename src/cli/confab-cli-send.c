/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "confab-cli-send"

#include "config.h"

#include <string.h>

#include <gio/gunixinputstream.h>

#include "confab-cli-private.h"

/* confab-cli send: join, send one signal, leave once the server has accepted it. */

/* Standard input is read up to this much; anything longer is refused whole, as too long. */
#define STDIN_DATA_LIMIT (64 * 1024)

static char *
read_stdin_data (GError **error)
{
  g_autoptr(GInputStream) input = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  guint8 chunk[4096];

  for (;;)
    {
      gssize n_read = g_input_stream_read (input, chunk, sizeof chunk, NULL, error);

      if (n_read < 0)
        {
          g_prefix_error (error, "Cannot read the data from standard input: ");
          return NULL;
        }
      if (n_read == 0)
        break;

      g_byte_array_append (buffer, chunk, n_read);
      if (buffer->len > STDIN_DATA_LIMIT)
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_SIGNAL_DATA_TOO_LONG,
                       "The signal data on standard input is over %d bytes; the limit is %d",
                       STDIN_DATA_LIMIT, CONFAB_SIGNAL_DATA_MAX_LENGTH);
          return NULL;
        }
    }

  /* A NUL byte inside the data cannot travel in a C string, and is not text anyway. */
  if (memchr (buffer->data, '\0', buffer->len) != NULL)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
                           "The signal data on standard input holds a NUL byte");
      return NULL;
    }

  g_byte_array_append (buffer, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (g_steal_pointer (&buffer), FALSE);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  ConfabCli *cli = user_data;
  g_autoptr(GError) error = NULL;

  if (!confab_session_send_signal_finish (CONFAB_SESSION (source), result, &error))
    {
      /* When we are leaving, the interrupt was reported already. */
      if (!cli->leaving)
        cli_print_gerror (NULL, error);
      cli_leave (cli, CLI_EXIT_FAILURE);
      return;
    }

  cli_leave (cli, CLI_EXIT_OK);
}

static void
on_joined (ConfabCli    *cli,
           const GError *error)
{
  if (error != NULL)
    {
      cli_finish (cli, CLI_EXIT_FAILURE);
      return;
    }

  if (cli->leaving)
    return;

  confab_session_send_signal_async (cli->session, cli->type, cli->send_data, cli->to, TRUE, NULL,
                                    on_sent, cli);
}

int
cli_run_send (ConfabCli *cli)
{
  g_autoptr(GError) error = NULL;
  char *data;

  if (cli->args[0] == NULL)
    return cli_usage_error ("send needs the signal data (“-” reads it from standard input)");
  if (cli->args[1] != NULL)
    return cli_usage_error ("send takes one DATA argument; quote data with spaces, or put "
                            "“--” before data that starts with “-”");

  if (strcmp (cli->args[0], "-") == 0)
    data = read_stdin_data (&error);
  else
    data = g_strdup (cli->args[0]);

  /* An invalid signal fails here, before joining: nobody sees a pointless join. */
  cli->send_data = data;
  if (data == NULL ||
      !confab_signal_validate_type (cli->type, &error) ||
      !confab_signal_validate_data (data, -1, &error))
    {
      cli_print_gerror (NULL, error);
      return CLI_EXIT_FAILURE;
    }

  cli->output = CLI_OUTPUT_NONE;
  cli_join (cli, on_joined);
  g_main_loop_run (cli->loop);

  return cli->status;
}
