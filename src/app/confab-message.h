/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * ConfabMessageStatus:
 * @CONFAB_MESSAGE_RECEIVED: someone else's message.
 * @CONFAB_MESSAGE_QUEUED: one of ours, waiting for the link or for the server's answer.
 * @CONFAB_MESSAGE_SENT: one of ours, accepted by the server.
 * @CONFAB_MESSAGE_FAILED: one of ours that did not go out.
 */
typedef enum {
  CONFAB_MESSAGE_RECEIVED,
  CONFAB_MESSAGE_QUEUED,
  CONFAB_MESSAGE_SENT,
  CONFAB_MESSAGE_FAILED,
} ConfabMessageStatus;

#define CONFAB_TYPE_MESSAGE (confab_message_get_type ())

G_DECLARE_FINAL_TYPE (ConfabMessage, confab_message, CONFAB, MESSAGE, GObject)

ConfabMessage       *confab_message_new              (const char          *sender_id,
                                                      const char          *sender_name,
                                                      const char          *text,
                                                      gint64               time,
                                                      ConfabMessageStatus  status);
const char          *confab_message_get_sender_id    (ConfabMessage       *self);
const char          *confab_message_get_sender_name  (ConfabMessage       *self);
const char          *confab_message_get_text         (ConfabMessage       *self);
gint64               confab_message_get_time         (ConfabMessage       *self);
gboolean             confab_message_get_is_own       (ConfabMessage       *self);
gboolean             confab_message_get_from_server  (ConfabMessage       *self);
gboolean             confab_message_get_show_header  (ConfabMessage       *self);
void                 confab_message_set_show_header  (ConfabMessage       *self,
                                                      gboolean             show_header);
ConfabMessageStatus  confab_message_get_status       (ConfabMessage       *self);
void                 confab_message_set_status       (ConfabMessage       *self,
                                                      ConfabMessageStatus  status,
                                                      const char          *error_message);
const char          *confab_message_get_error_message (ConfabMessage      *self);
const char          *confab_message_get_to           (ConfabMessage       *self);
void                 confab_message_set_to           (ConfabMessage       *self,
                                                      const char          *to);
gboolean             confab_message_continues        (ConfabMessage       *self,
                                                      ConfabMessage       *previous);

G_END_DECLS
