/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The server's side of one WebSocket, framed by Confab itself once libsoup has done the HTTP
 * handshake. What it adds over SoupWebsocketConnection is the send path: a frame is encoded
 * once (server frames are not masked, so every recipient gets the very same bytes), queued by
 * reference, and each connection's queue is written with one writev() per main-loop turn. */

#define CONFAB_TYPE_WEBSOCKET (confab_websocket_get_type ())

G_DECLARE_FINAL_TYPE (ConfabWebsocket, confab_websocket, CONFAB, WEBSOCKET, GObject)

typedef struct _ConfabWebsocketHub ConfabWebsocketHub;

ConfabWebsocketHub *confab_websocket_hub_new     (void);
void                confab_websocket_hub_free    (ConfabWebsocketHub   *hub);

ConfabWebsocket *confab_websocket_new            (GIOStream            *stream,
                                                  int                   fd,
                                                  ConfabWebsocketHub   *hub,
                                                  gsize                 max_payload);
void             confab_websocket_start          (ConfabWebsocket      *self);
GBytes          *confab_websocket_encode_text    (GBytes               *payload);
void             confab_websocket_send           (ConfabWebsocket      *self,
                                                  GBytes               *frame);
void             confab_websocket_send_text      (ConfabWebsocket      *self,
                                                  GBytes               *payload);
void             confab_websocket_close          (ConfabWebsocket      *self,
                                                  gushort               code,
                                                  const char           *reason);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabWebsocketHub, confab_websocket_hub_free)

G_END_DECLS
