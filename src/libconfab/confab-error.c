/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-error"

#include "config.h"

#include "confab-error.h"

G_DEFINE_QUARK (confab-error-quark, confab_error)

/**
 * confab_error_to_status:
 * @error: a #GError
 *
 * Gives the HTTP-like status the wire protocol and the REST API use for @error:
 * 400 invalid, 401 unauthorized, 403 forbidden, 404 no such connection, 413 too large,
 * 429 rate limited, 503 server full or unreachable, 500 anything else.
 *
 * Returns: the status code
 */
guint
confab_error_to_status (const GError *error)
{
  if (error == NULL || error->domain != CONFAB_ERROR)
    return 500;

  switch ((ConfabError) error->code)
    {
    case CONFAB_ERROR_INVALID_PARAMETER:
    case CONFAB_ERROR_INVALID_SIGNAL_TYPE:
    case CONFAB_ERROR_PROTOCOL:
      return 400;
    case CONFAB_ERROR_UNAUTHORIZED:
      return 401;
    case CONFAB_ERROR_FORBIDDEN:
      return 403;
    case CONFAB_ERROR_CONNECTION_NOT_FOUND:
    case CONFAB_ERROR_SESSION_NOT_FOUND:
      return 404;
    case CONFAB_ERROR_NOT_CONNECTED:
      return 409;
    case CONFAB_ERROR_SIGNAL_DATA_TOO_LONG:
    case CONFAB_ERROR_SIGNAL_TYPE_TOO_LONG:
      return 413;
    case CONFAB_ERROR_RATE_LIMITED:
      return 429;
    case CONFAB_ERROR_SERVER_FULL:
    case CONFAB_ERROR_CONNECTION_FAILED:
      return 503;
    case CONFAB_ERROR_SIGNAL_DROPPED:
    default:
      return 500;
    }
}

/**
 * confab_error_from_status:
 * @status: an HTTP-like status from the wire
 *
 * Maps a status the server sent back to the closest #ConfabError.
 *
 * Returns: the error code
 */
ConfabError
confab_error_from_status (guint status)
{
  switch (status)
    {
    case 400:
      return CONFAB_ERROR_INVALID_PARAMETER;
    case 401:
      return CONFAB_ERROR_UNAUTHORIZED;
    case 403:
      return CONFAB_ERROR_FORBIDDEN;
    case 404:
      return CONFAB_ERROR_CONNECTION_NOT_FOUND;
    case 409:
      return CONFAB_ERROR_NOT_CONNECTED;
    case 413:
      return CONFAB_ERROR_SIGNAL_DATA_TOO_LONG;
    case 429:
      return CONFAB_ERROR_RATE_LIMITED;
    case 503:
      return CONFAB_ERROR_SERVER_FULL;
    default:
      return CONFAB_ERROR_PROTOCOL;
    }
}
