/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "confab-message.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_CONVERSATION (confab_conversation_get_type ())

G_DECLARE_FINAL_TYPE (ConfabConversation, confab_conversation, CONFAB, CONVERSATION, GObject)

ConfabConversation *confab_conversation_new               (const char         *connection_id,
                                                           const char         *name,
                                                           gboolean            is_self);
const char         *confab_conversation_get_connection_id (ConfabConversation *self);
gboolean            confab_conversation_get_is_everyone   (ConfabConversation *self);
gboolean            confab_conversation_get_is_self      (ConfabConversation *self);
const char         *confab_conversation_get_name          (ConfabConversation *self);
GListModel         *confab_conversation_get_messages      (ConfabConversation *self);
void                confab_conversation_append            (ConfabConversation *self,
                                                           ConfabMessage      *message);
void                confab_conversation_flush             (ConfabConversation *self);
guint               confab_conversation_get_unread_count  (ConfabConversation *self);
void                confab_conversation_mark_read         (ConfabConversation *self);
gboolean            confab_conversation_get_present       (ConfabConversation *self);
void                confab_conversation_set_present       (ConfabConversation *self,
                                                           gboolean            present);
gboolean            confab_conversation_get_can_remove    (ConfabConversation *self);
void                confab_conversation_set_can_remove    (ConfabConversation *self,
                                                           gboolean            can_remove);
const char         *confab_conversation_get_typing_text   (ConfabConversation *self);
void                confab_conversation_set_typing        (ConfabConversation *self,
                                                           const char         *connection_id,
                                                           const char         *name,
                                                           gboolean            typing);

G_END_DECLS
