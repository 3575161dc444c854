/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "confab-window"

#include "config.h"

#include <glib/gi18n.h>

#include "confab-chat-page.h"
#include "confab-start-page.h"
#include "confab-window.h"

/*
 * ConfabWindow:
 *
 * One window, one session: the start page until the person hosts or joins, then the chat.
 * Closing the window leaves the session (and ends it, when this window hosts it).
 */

#define DEMO_GUEST_NAME N_("Demo guest")

struct _ConfabWindow
{
  AdwApplicationWindow  parent_instance;

  ConfabChat           *chat;
  GCancellable         *cancellable;
  gboolean              demo;

  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  ConfabStartPage      *start_page;
  ConfabChatPage       *chat_page;
};

G_DEFINE_FINAL_TYPE (ConfabWindow, confab_window, ADW_TYPE_APPLICATION_WINDOW)

void
confab_window_show_toast (ConfabWindow *self,
                          const char   *message)
{
  AdwToast *toast;

  g_return_if_fail (CONFAB_IS_WINDOW (self));

  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
on_chat_error (ConfabWindow *self,
               const char   *message)
{
  confab_window_show_toast (self, message);
}

static void
on_message_received (ConfabWindow       *self,
                     ConfabConversation *conversation,
                     ConfabMessage      *message,
                     gboolean            direct)
{
  GApplication *application = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;
  const char *text;

  /* Only what is for this person alone, and only when they are looking elsewhere. */
  if (!direct || application == NULL || gtk_window_is_active (GTK_WINDOW (self)))
    return;

  /* Translators: a notification's title; %s is who sent the message */
  title = g_strdup_printf (_("Message from %s"), confab_message_get_sender_name (message));
  text = confab_message_get_text (message);
  if (g_utf8_strlen (text, -1) > 200)
    {
      g_autofree char *start = g_utf8_substring (text, 0, 200);

      body = g_strconcat (start, "…", NULL);
    }
  else
    {
      body = g_strdup (text);
    }

  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_default_action_and_target (notification, "app.present-window", "u",
                                                gtk_application_window_get_id
                                                  (GTK_APPLICATION_WINDOW (self)));
  id = g_strdup_printf ("direct-message-%u",
                        gtk_application_window_get_id (GTK_APPLICATION_WINDOW (self)));
  g_application_send_notification (application, id, notification);
}

static void
on_focus_changed (ConfabWindow *self)
{
  GApplication *application = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autofree char *id = NULL;

  if (application == NULL || !gtk_window_is_active (GTK_WINDOW (self)))
    return;

  id = g_strdup_printf ("direct-message-%u",
                        gtk_application_window_get_id (GTK_APPLICATION_WINDOW (self)));
  g_application_withdraw_notification (application, id);
}

static void
demo_guest_start (ConfabWindow *host)
{
  ConfabApplication *application = CONFAB_APPLICATION (gtk_window_get_application (GTK_WINDOW
                                                                                   (host)));
  ConfabWindow *guest = confab_window_new (application);
  ConfabChat *chat = host->chat;
  const char *link = confab_chat_get_invite_link (chat);

  gtk_window_present (GTK_WINDOW (guest));

  if (link != NULL)
    {
      confab_window_join (guest, link, _(DEMO_GUEST_NAME));
    }
  else
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *token = NULL;
      g_autofree char *url = NULL;
      ConfabSession *session = confab_chat_get_session (chat);

      /* Without invite links, the host mints the guest's token itself. */
      token = confab_chat_mint_token (chat, CONFAB_ROLE_PUBLISHER, _(DEMO_GUEST_NAME), &error);
      if (token == NULL)
        {
          confab_window_show_toast (guest, error->message);
          return;
        }
      url = g_strdup (confab_session_get_server_url (session));
      confab_window_join_with_token (guest, url, confab_session_get_session_id (session), token);
    }
}

static void
on_started (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ConfabWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  ConfabChat *chat = CONFAB_CHAT (object);

  if (chat != self->chat)
    return;   /* the window moved on */

  confab_start_page_set_busy (self->start_page, FALSE);

  if (!confab_chat_start_finish (chat, result, &error))
    {
      g_debug ("Could not start: %s", error->message);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          confab_start_page_set_error (self->start_page, error->message);
          confab_window_show_toast (self, error->message);
        }
      g_signal_handlers_disconnect_by_data (self->chat, self);
      g_clear_object (&self->chat);
      return;
    }

  confab_chat_page_set_chat (self->chat_page, self->chat);
  gtk_stack_set_visible_child_name (self->stack, "chat");
  confab_chat_page_focus_composer (self->chat_page);

  if (confab_chat_get_is_hosting (chat))
    confab_window_show_toast (self, confab_chat_get_invite_link (chat)
                              ? _("Session started. Copy the invite link to ask people in.")
                              : _("Session started."));

  if (self->demo)
    {
      self->demo = FALSE;
      demo_guest_start (self);
    }
}

static ConfabChat *
begin (ConfabWindow *self)
{
  if (self->chat != NULL)
    return NULL;

  self->chat = confab_chat_new ();
  g_signal_connect_object (self->chat, "error", G_CALLBACK (on_chat_error), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->chat, "message-received", G_CALLBACK (on_message_received),
                           self, G_CONNECT_SWAPPED);
  confab_start_page_set_busy (self->start_page, TRUE);
  confab_start_page_set_error (self->start_page, NULL);
  return self->chat;
}

void
confab_window_host (ConfabWindow *self,
                    const char   *display_name,
                    gboolean      allow_lan)
{
  ConfabChat *chat;

  g_return_if_fail (CONFAB_IS_WINDOW (self));

  if ((chat = begin (self)) != NULL)
    confab_chat_host_async (chat, display_name, allow_lan, self->cancellable, on_started,
                            g_object_ref (self));
}

/**
 * confab_window_host_demo:
 * @self: a #ConfabWindow
 *
 * Hosts a session on loopback and, once it is up, opens a guest window joined to it.
 */
void
confab_window_host_demo (ConfabWindow *self)
{
  GSettings *settings = confab_application_get_settings (CONFAB_APPLICATION_DEFAULT);
  g_autofree char *name = settings ? g_settings_get_string (settings, "display-name") : NULL;

  g_return_if_fail (CONFAB_IS_WINDOW (self));

  if (name == NULL || *name == '\0')
    {
      g_free (name);
      name = g_strdup (_("Demo host"));
    }

  self->demo = TRUE;
  confab_window_host (self, name, FALSE);
}

void
confab_window_join (ConfabWindow *self,
                    const char   *invite_link,
                    const char   *display_name)
{
  ConfabChat *chat;

  g_return_if_fail (CONFAB_IS_WINDOW (self));

  if ((chat = begin (self)) != NULL)
    confab_chat_join_async (chat, invite_link, display_name, self->cancellable, on_started,
                            g_object_ref (self));
}

void
confab_window_join_with_token (ConfabWindow *self,
                               const char   *server_url,
                               const char   *session_id,
                               const char   *token)
{
  ConfabChat *chat;

  g_return_if_fail (CONFAB_IS_WINDOW (self));

  if ((chat = begin (self)) != NULL)
    confab_chat_join_with_token_async (chat, server_url, session_id, token, self->cancellable,
                                       on_started, g_object_ref (self));
}

ConfabChat *
confab_window_get_chat (ConfabWindow *self)
{
  g_return_val_if_fail (CONFAB_IS_WINDOW (self), NULL);
  return self->chat;
}

GtkWidget *
confab_window_get_chat_page (ConfabWindow *self)
{
  g_return_val_if_fail (CONFAB_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->chat_page);
}

static void
copy_invite_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  ConfabWindow *self = CONFAB_WINDOW (widget);
  const char *link = self->chat ? confab_chat_get_invite_link (self->chat) : NULL;

  if (link == NULL)
    {
      confab_window_show_toast (self, _("There is no invite link to copy in this window."));
      return;
    }

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), link);
  confab_window_show_toast (self, _("Invite link copied"));
}

static void
confab_window_dispose (GObject *object)
{
  ConfabWindow *self = CONFAB_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->chat != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chat, self);
      confab_chat_leave (self->chat);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), CONFAB_TYPE_WINDOW);
  g_clear_object (&self->chat);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (confab_window_parent_class)->dispose (object);
}

static void
confab_window_class_init (ConfabWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = confab_window_dispose;

  g_type_ensure (CONFAB_TYPE_START_PAGE);
  g_type_ensure (CONFAB_TYPE_CHAT_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/confab/Confab/confab-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, start_page);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, chat_page);

  gtk_widget_class_install_action (widget_class, "win.copy-invite", NULL, copy_invite_action);
}

static void
confab_window_init (ConfabWindow *self)
{
  GSettings *settings = confab_application_get_settings (CONFAB_APPLICATION_DEFAULT);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  if (settings != NULL)
    {
      g_settings_bind (settings, "window-width", self, "default-width",
                       G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_GET_NO_CHANGES);
      g_settings_bind (settings, "window-height", self, "default-height",
                       G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_GET_NO_CHANGES);
    }

  g_signal_connect (self, "notify::is-active", G_CALLBACK (on_focus_changed), NULL);
}

ConfabWindow *
confab_window_new (ConfabApplication *application)
{
  return g_object_new (CONFAB_TYPE_WINDOW, "application", application, NULL);
}
