/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libsoup/soup.h>

#include "confab-server.h"

G_BEGIN_DECLS

/* The largest request body the REST API reads; larger ones are refused with 413 from their
 * headers, before the body is read. */
#define CONFAB_REST_MAX_BODY_SIZE (64 * 1024)

/* How far ahead of now the `exp` of an X-OPENTOK-AUTH JWT may be: OpenTok's SDKs make them
 * last five minutes; an hour leaves room for other clients without accepting long-lived keys. */
#define CONFAB_REST_MAX_AUTH_LIFETIME 3600

void confab_server_rest_install (ConfabServer *server,
                                 SoupServer   *soup,
                                 const char   *api_key,
                                 const char   *api_secret);

G_END_DECLS
