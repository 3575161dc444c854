/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <confab.h>

#include "confab-conversation.h"

G_BEGIN_DECLS

/* Signal types the app speaks. */
#define CONFAB_CHAT_TYPE_MESSAGE "chat"
#define CONFAB_CHAT_TYPE_TYPING "typing"

#define CONFAB_TYPE_CHAT (confab_chat_get_type ())

G_DECLARE_FINAL_TYPE (ConfabChat, confab_chat, CONFAB, CHAT, GObject)

ConfabChat         *confab_chat_new                     (void);

void                confab_chat_host_async              (ConfabChat          *self,
                                                         const char          *display_name,
                                                         gboolean             allow_lan,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
void                confab_chat_join_async              (ConfabChat          *self,
                                                         const char          *invite_link,
                                                         const char          *display_name,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
void                confab_chat_join_with_token_async   (ConfabChat          *self,
                                                         const char          *server_url,
                                                         const char          *session_id,
                                                         const char          *token,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean            confab_chat_start_finish            (ConfabChat          *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

char               *confab_chat_mint_token              (ConfabChat          *self,
                                                         ConfabRole           role,
                                                         const char          *display_name,
                                                         GError             **error);

ConfabSession      *confab_chat_get_session             (ConfabChat          *self);
ConfabServer       *confab_chat_get_server              (ConfabChat          *self);
GListModel         *confab_chat_get_conversations       (ConfabChat          *self);
ConfabConversation *confab_chat_get_everyone            (ConfabChat          *self);
ConfabConversation *confab_chat_lookup_conversation     (ConfabChat          *self,
                                                         const char          *connection_id);
const char         *confab_chat_get_invite_link         (ConfabChat          *self);
const char         *confab_chat_get_display_name        (ConfabChat          *self);
const char         *confab_chat_get_status_text         (ConfabChat          *self);
const char         *confab_chat_get_queued_text         (ConfabChat          *self);
guint               confab_chat_get_n_people            (ConfabChat          *self);
gboolean            confab_chat_get_is_moderator        (ConfabChat          *self);
gboolean            confab_chat_get_is_hosting          (ConfabChat          *self);

gboolean            confab_chat_send_message            (ConfabChat          *self,
                                                         ConfabConversation  *conversation,
                                                         const char          *text,
                                                         GError             **error);
void                confab_chat_retry_message           (ConfabChat          *self,
                                                         ConfabMessage       *message);
void                confab_chat_send_typing             (ConfabChat          *self,
                                                         ConfabConversation  *conversation);
void                confab_chat_remove_participant      (ConfabChat          *self,
                                                         const char          *connection_id);
void                confab_chat_retry_now               (ConfabChat          *self);
void                confab_chat_reconnect               (ConfabChat          *self);
void                confab_chat_leave                   (ConfabChat          *self);

G_END_DECLS
