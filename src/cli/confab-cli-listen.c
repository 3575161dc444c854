/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "confab-cli-listen"

#include "config.h"

#include "confab-cli-private.h"

/* confab-cli listen: join and print every event until interrupted or the session ends. */

static void
on_joined (ConfabCli    *cli,
           const GError *error)
{
  if (error != NULL)
    cli_finish (cli, CLI_EXIT_FAILURE);
}

int
cli_run_listen (ConfabCli *cli)
{
  if (cli->args[0] != NULL)
    return cli_usage_error ("listen takes no arguments, not “%s”", cli->args[0]);

  cli->output = cli->json ? CLI_OUTPUT_JSON : CLI_OUTPUT_HUMAN;
  cli_join (cli, on_joined);
  g_main_loop_run (cli->loop);

  return cli->status;
}
