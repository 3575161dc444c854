/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <glib.h>

#include "confab-version-macros.h"

G_BEGIN_DECLS

#define CONFAB_ERROR (confab_error_quark ())

/**
 * ConfabError:
 * @CONFAB_ERROR_NOT_CONNECTED: the session is not connected.
 * @CONFAB_ERROR_INVALID_PARAMETER: an argument or a frame field is not valid.
 * @CONFAB_ERROR_UNAUTHORIZED: the token is missing, malformed, badly signed, expired or for
 *   another session.
 * @CONFAB_ERROR_FORBIDDEN: the connection's role may not do this.
 * @CONFAB_ERROR_CONNECTION_NOT_FOUND: no connection with that id is in the session.
 * @CONFAB_ERROR_SESSION_NOT_FOUND: the server has no session with that id.
 * @CONFAB_ERROR_RATE_LIMITED: too many requests; try again later.
 * @CONFAB_ERROR_SIGNAL_DROPPED: the signal was not sent: the link was down and
 *   `retry_after_reconnect` was %FALSE, or reconnection gave up.
 * @CONFAB_ERROR_PROTOCOL: the peer broke the wire protocol.
 * @CONFAB_ERROR_CONNECTION_FAILED: the server could not be reached, or the link to it failed.
 * @CONFAB_ERROR_SERVER_FULL: the server has reached its connection limit.
 * @CONFAB_ERROR_SIGNAL_DATA_TOO_LONG: the signal data is over 8192 bytes.
 * @CONFAB_ERROR_SIGNAL_TYPE_TOO_LONG: the signal type is over 128 bytes.
 * @CONFAB_ERROR_INVALID_SIGNAL_TYPE: the signal type has a character outside
 *   `A–Z a–z 0–9 - _ ~`.
 *
 * Error codes of the %CONFAB_ERROR domain. Where the OpenTok client SDK has a number for the
 * same cause, the code is that number.
 */
typedef enum {
  CONFAB_ERROR_NOT_CONNECTED = 1010,
  CONFAB_ERROR_INVALID_PARAMETER = 1011,
  CONFAB_ERROR_UNAUTHORIZED = 1004,
  CONFAB_ERROR_FORBIDDEN = 1520,
  CONFAB_ERROR_CONNECTION_NOT_FOUND = 1404,
  CONFAB_ERROR_SESSION_NOT_FOUND = 1405,
  CONFAB_ERROR_RATE_LIMITED = 1429,
  CONFAB_ERROR_SIGNAL_DROPPED = 1500,
  CONFAB_ERROR_CONNECTION_FAILED = 1006,
  CONFAB_ERROR_PROTOCOL = 2001,
  CONFAB_ERROR_SERVER_FULL = 1503,
  CONFAB_ERROR_SIGNAL_DATA_TOO_LONG = 1413,
  CONFAB_ERROR_SIGNAL_TYPE_TOO_LONG = 1414,
  CONFAB_ERROR_INVALID_SIGNAL_TYPE = 1461,
} ConfabError;

CONFAB_AVAILABLE_IN_ALL
GQuark      confab_error_quark            (void);
CONFAB_AVAILABLE_IN_ALL
guint       confab_error_to_status        (const GError *error);
CONFAB_AVAILABLE_IN_ALL
ConfabError confab_error_from_status      (guint         status);

G_END_DECLS
