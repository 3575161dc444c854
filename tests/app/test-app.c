/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-app"

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <confab.h>

#include "confab-application.h"
#include "confab-chat-page.h"
#include "confab-message-row.h"
#include "confab-sidebar-row.h"
#include "confab-start-page.h"
#include "confab-window.h"

/*
 * The app's widgets, driven as a person would (actions, the composer's buffer, the sidebar's
 * selection) against a real embedded server and real peers: ConfabSession clients in this
 * process. Waits have a generous deadline only so a broken build fails instead of hanging.
 */

#define KEY "4711"
#define SECRET "app-test-secret-app-test-secret-0123"
#define DEADLINE_SECONDS 60

#define WAIT_UNTIL(cond) \
  G_STMT_START { \
    gint64 deadline_ = g_get_monotonic_time () + DEADLINE_SECONDS * G_USEC_PER_SEC; \
    while (!(cond)) \
      { \
        if (g_get_monotonic_time () > deadline_) \
          g_error ("%s:%d: still waiting for %s", __FILE__, __LINE__, #cond); \
        g_main_context_iteration (NULL, TRUE); \
      } \
  } G_STMT_END

static ConfabApplication *application;
static guint notifications_shown;
static char *last_notification_summary;

typedef struct {
  ConfabServer *server;
  char         *session_id;
  char         *url;
  guint         port;
} Fixture;

typedef struct {
  ConfabSession *session;
  GPtrArray     *received;   /* "type|data" */
  gboolean       done;
} Peer;

static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
spin (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->server = confab_server_new (KEY, SECRET);
  g_assert_true (confab_server_listen (fixture->server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  fixture->port = confab_server_get_port (fixture->server);
  fixture->url = confab_server_dup_url (fixture->server);
  fixture->session_id = confab_session_id_new (KEY);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (application)));

  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_list_free (windows);
  drain ();

  if (fixture->server != NULL)
    confab_server_stop (fixture->server);
  g_clear_object (&fixture->server);
  g_free (fixture->url);
  g_free (fixture->session_id);
  drain ();
}

static char *
mint (Fixture    *fixture,
      ConfabRole  role,
      const char *name)
{
  g_autoptr(GError) error = NULL;
  char *token = confab_token_new (KEY, SECRET, fixture->session_id, role, name, 0, &error);

  g_assert_no_error (error);
  return token;
}

static void
on_peer_signal (ConfabSession    *session,
                const char       *type,
                const char       *data,
                ConfabConnection *from,
                gboolean          direct,
                Peer             *peer)
{
  /* "chat-direct|…" for a message to this peer alone, "chat|…" for one to everyone. */
  g_ptr_array_add (peer->received, g_strdup_printf ("%s%s|%s", type, direct ? "-direct" : "",
                                                    data));
}

static void
on_peer_connected (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Peer *peer = user_data;
  g_autoptr(GError) error = NULL;

  confab_session_connect_finish (CONFAB_SESSION (object), result, &error);
  g_assert_no_error (error);
  peer->done = TRUE;
}

static Peer *
peer_new (Fixture    *fixture,
          const char *name)
{
  Peer *peer = g_new0 (Peer, 1);
  g_autofree char *token = mint (fixture, CONFAB_ROLE_PUBLISHER, name);

  peer->received = g_ptr_array_new_with_free_func (g_free);
  peer->session = confab_session_new (fixture->url, fixture->session_id);
  g_signal_connect (peer->session, "signal", G_CALLBACK (on_peer_signal), peer);
  confab_session_connect_async (peer->session, token, NULL, on_peer_connected, peer);
  WAIT_UNTIL (peer->done);
  return peer;
}

static void
peer_free (Peer *peer)
{
  g_signal_handlers_disconnect_by_data (peer->session, peer);
  confab_session_disconnect (peer->session);
  g_clear_object (&peer->session);
  g_ptr_array_unref (peer->received);
  g_free (peer);
  drain ();
}

static gboolean
peer_received (Peer       *peer,
               const char *entry)
{
  for (guint i = 0; i < peer->received->len; i++)
    if (g_str_equal (g_ptr_array_index (peer->received, i), entry))
      return TRUE;
  return FALSE;
}

static guint
peer_count (Peer       *peer,
            const char *type)
{
  guint n = 0;
  gsize length = strlen (type);

  for (guint i = 0; i < peer->received->len; i++)
    {
      const char *entry = g_ptr_array_index (peer->received, i);

      if (strncmp (entry, type, length) == 0 && entry[length] == '|')
        n++;
    }
  return n;
}

static const char *
peer_id (Peer *peer)
{
  return confab_connection_get_id (confab_session_get_connection (peer->session));
}

static void
peer_send (Peer       *peer,
           const char *type,
           const char *data,
           const char *to)
{
  confab_session_send_signal_async (peer->session, type, data, to, TRUE, NULL, NULL, NULL);
}

/* Saves what the window shows as a PNG when CONFAB_SCREENSHOT_DIR is set: the metainfo's
 * screenshots come from here. */
static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  const char *dir = g_getenv ("CONFAB_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GskRenderer *renderer;
  int width, height;

  if (dir == NULL)
    return;

  spin (600);   /* let transitions and toasts settle */
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    return;

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_build_filename (dir, name, NULL);
  gdk_texture_save_to_png (texture, path);
  g_test_message ("screenshot: %s", path);
}

static ConfabWindow *
open_window (Fixture    *fixture,
             ConfabRole  role,
             const char *name)
{
  ConfabWindow *window = confab_window_new (application);
  g_autofree char *token = mint (fixture, role, name);
  ConfabChat *chat;

  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  gtk_window_present (GTK_WINDOW (window));
  confab_window_join_with_token (window, fixture->url, fixture->session_id, token);
  WAIT_UNTIL ((chat = confab_window_get_chat (window)) != NULL &&
              confab_chat_get_session (chat) != NULL &&
              confab_session_get_state (confab_chat_get_session (chat)) ==
                CONFAB_SESSION_STATE_CONNECTED &&
              confab_chat_page_get_chat (CONFAB_CHAT_PAGE
                                           (confab_window_get_chat_page (window))) == chat);
  drain ();
  return window;
}

static gpointer
child (ConfabWindow *window,
       const char   *name)
{
  GObject *object = gtk_widget_get_template_child (confab_window_get_chat_page (window),
                                                   CONFAB_TYPE_CHAT_PAGE, name);

  g_assert_nonnull (object);
  return object;
}

static ConfabChatPage *
page_of (ConfabWindow *window)
{
  return CONFAB_CHAT_PAGE (confab_window_get_chat_page (window));
}

static const char *
label_text (ConfabWindow *window,
            const char   *name)
{
  return gtk_label_get_label (child (window, name));
}

static gboolean
label_shows (ConfabWindow *window,
             const char   *name,
             const char   *needle)
{
  GtkWidget *label = child (window, name);

  return gtk_widget_get_visible (label) &&
         strstr (gtk_label_get_label (GTK_LABEL (label)), needle) != NULL;
}

static void
type_text (ConfabWindow *window,
           const char   *text)
{
  GtkTextView *composer = child (window, "composer");

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (composer), text, -1);
}

static void
send_text (ConfabWindow *window,
           const char   *text)
{
  type_text (window, text);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page_of (window)), "chat.send", NULL));
}

static char *
composer_text (ConfabWindow *window)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (child (window, "composer"));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static GListModel *
sidebar (ConfabWindow *window)
{
  return G_LIST_MODEL (gtk_list_view_get_model (child (window, "sidebar_list")));
}

static ConfabConversation *
sidebar_item (ConfabWindow *window,
              guint         position)
{
  ConfabConversation *conversation = g_list_model_get_item (sidebar (window), position);

  g_object_unref (conversation);   /* the model holds it */
  return conversation;
}

/* The row widget the sidebar shows for @conversation, if it is on screen. */
static GtkWidget *
find_sidebar_row (GtkWidget          *widget,
                  ConfabConversation *conversation)
{
  if (CONFAB_IS_SIDEBAR_ROW (widget) &&
      confab_sidebar_row_get_conversation (CONFAB_SIDEBAR_ROW (widget)) == conversation)
    return widget;

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_sidebar_row (c, conversation);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The row widget the conversation view shows for @message, if it is on screen. */
static GtkWidget *
find_message_row (GtkWidget     *widget,
                  ConfabMessage *message)
{
  if (CONFAB_IS_MESSAGE_ROW (widget) &&
      confab_message_row_get_message (CONFAB_MESSAGE_ROW (widget)) == message)
    return widget;

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_message_row (c, message);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
unread_badge (GtkWidget *row)
{
  return GTK_WIDGET (gtk_widget_get_template_child (row, CONFAB_TYPE_SIDEBAR_ROW, "unread"));
}

static gboolean
sidebar_has (ConfabWindow *window,
             const char   *title)
{
  GListModel *model = sidebar (window);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ConfabConversation) conversation = g_list_model_get_item (model, i);
      g_autofree char *item_title = NULL;

      g_object_get (conversation, "title", &item_title, NULL);
      if (g_str_equal (item_title, title))
        return TRUE;
    }
  return FALSE;
}

static ConfabConversation *
conversation_for (ConfabWindow *window,
                  Peer         *peer)
{
  return confab_chat_lookup_conversation (confab_window_get_chat (window), peer_id (peer));
}

static ConfabMessage *
last_message (ConfabConversation *conversation)
{
  GListModel *messages = confab_conversation_get_messages (conversation);
  guint n;
  ConfabMessage *message;

  confab_conversation_flush (conversation);
  n = g_list_model_get_n_items (messages);

  g_assert_cmpuint (n, >, 0);
  message = g_list_model_get_item (messages, n - 1);
  g_object_unref (message);
  return message;
}

static guint
n_messages (ConfabConversation *conversation)
{
  confab_conversation_flush (conversation);
  return g_list_model_get_n_items (confab_conversation_get_messages (conversation));
}

/* The sidebar: Everyone first, then everyone in the session with ourselves marked; joins and
 * leaves show at once. */
static void
test_sidebar_join_leave (Fixture       *fixture,
                         gconstpointer  data)
{
  ConfabWindow *window = open_window (fixture, CONFAB_ROLE_PUBLISHER, "Ann");
  Peer *bob;

  WAIT_UNTIL (g_list_model_get_n_items (sidebar (window)) == 2);
  g_assert_true (confab_conversation_get_is_everyone (sidebar_item (window, 0)));
  g_assert_true (sidebar_has (window, "Everyone"));
  g_assert_true (sidebar_has (window, "Ann (you)"));
  g_assert_cmpstr (label_text (window, "status_label"), ==, "Connected · 1 person");

  bob = peer_new (fixture, "Bob");
  WAIT_UNTIL (g_list_model_get_n_items (sidebar (window)) == 3);
  g_assert_true (sidebar_has (window, "Bob"));
  WAIT_UNTIL (g_str_equal (label_text (window, "status_label"), "Connected · 2 people"));
  g_assert_cmpstr (label_text (window, "people_label"), ==, "2 people");

  /* The conversation shortcuts' actions: Ctrl+2, Alt+Down, Alt+Up. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page_of (window)),
                                             "chat.select-conversation", "i", 2));
  g_assert_true (confab_chat_page_get_conversation (page_of (window)) == sidebar_item (window, 1));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page_of (window)),
                                             "chat.next-conversation", NULL));
  g_assert_true (confab_chat_page_get_conversation (page_of (window)) == sidebar_item (window, 2));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page_of (window)),
                                             "chat.next-conversation", NULL));
  g_assert_true (confab_chat_page_get_conversation (page_of (window)) == sidebar_item (window, 0));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page_of (window)),
                                             "chat.previous-conversation", NULL));
  g_assert_true (confab_chat_page_get_conversation (page_of (window)) == sidebar_item (window, 2));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page_of (window)),
                                             "chat.focus-composer", NULL));

  peer_free (bob);
  WAIT_UNTIL (g_list_model_get_n_items (sidebar (window)) == 2);
  g_assert_false (sidebar_has (window, "Bob"));
  WAIT_UNTIL (g_str_equal (label_text (window, "status_label"), "Connected · 1 person"));
}

/* Choosing a person and sending reaches that person only; Everyone reaches all. */
static void
test_direct_and_broadcast (Fixture       *fixture,
                           gconstpointer  data)
{
  ConfabWindow *window = open_window (fixture, CONFAB_ROLE_PUBLISHER, "Ann");
  Peer *bob = peer_new (fixture, "Bob");
  Peer *carol = peer_new (fixture, "Carol");
  ConfabConversation *to_bob;
  ConfabMessage *message;
  g_autofree char *left = NULL;

  WAIT_UNTIL ((to_bob = conversation_for (window, bob)) != NULL);
  confab_chat_page_select (page_of (window), to_bob);
  g_assert_true (confab_chat_page_get_conversation (page_of (window)) == to_bob);

  send_text (window, "Just for you, Bob");
  left = composer_text (window);
  g_assert_cmpstr (left, ==, "");
  message = last_message (to_bob);
  g_assert_cmpstr (confab_message_get_text (message), ==, "Just for you, Bob");
  WAIT_UNTIL (confab_message_get_status (message) == CONFAB_MESSAGE_SENT);
  WAIT_UNTIL (peer_received (bob, "chat-direct|Just for you, Bob"));

  /* Everyone: both hear it; Carol never got Bob's. */
  confab_chat_page_select (page_of (window), confab_chat_get_everyone (confab_window_get_chat
                                                                        (window)));
  send_text (window, "Hello everyone");
  WAIT_UNTIL (peer_received (bob, "chat|Hello everyone"));
  WAIT_UNTIL (peer_received (carol, "chat|Hello everyone"));
  g_assert_cmpuint (peer_count (carol, "chat-direct"), ==, 0);
  g_assert_cmpuint (peer_count (carol, "chat"), ==, 1);
  g_assert_cmpuint (peer_count (bob, "chat-direct"), ==, 1);

  /* The direct message is under Bob only, the broadcast under Everyone only. */
  g_assert_cmpuint (n_messages (to_bob), ==, 1);
  g_assert_cmpuint (n_messages (confab_chat_get_everyone (confab_window_get_chat (window))), ==,
                    1);
  WAIT_UNTIL (confab_message_get_status (last_message (confab_chat_get_everyone
                                                         (confab_window_get_chat (window)))) ==
              CONFAB_MESSAGE_SENT);

  peer_free (bob);
  peer_free (carol);
}

/* What others send lands in the right conversation and counts as unread until seen. */
static void
test_incoming_unread (Fixture       *fixture,
                      gconstpointer  data)
{
  ConfabWindow *window = open_window (fixture, CONFAB_ROLE_PUBLISHER, "Ann");
  ConfabChat *chat = confab_window_get_chat (window);
  ConfabConversation *everyone = confab_chat_get_everyone (chat);
  Peer *bob = peer_new (fixture, "Bob");
  g_autofree char *ann_id = NULL;
  ConfabConversation *from_bob;
  GtkWidget *row;

  ann_id = g_strdup (confab_connection_get_id (confab_session_get_connection
                                                 (confab_chat_get_session (chat))));
  WAIT_UNTIL ((from_bob = conversation_for (window, bob)) != NULL);
  g_assert_true (confab_chat_page_get_conversation (page_of (window)) == everyone);

  /* Everyone is on screen: its message is read at once. */
  peer_send (bob, "chat", "Hi all", NULL);
  WAIT_UNTIL (n_messages (everyone) == 1);
  g_assert_cmpstr (confab_message_get_text (last_message (everyone)), ==, "Hi all");
  g_assert_cmpstr (confab_message_get_sender_name (last_message (everyone)), ==, "Bob");
  g_assert_cmpuint (confab_conversation_get_unread_count (everyone), ==, 0);

  /* A direct one goes under Bob, unread. */
  peer_send (bob, "chat", "Psst, Ann", ann_id);
  peer_send (bob, "chat", "Are you there?", ann_id);
  WAIT_UNTIL (n_messages (from_bob) == 2);
  g_assert_cmpuint (n_messages (everyone), ==, 1);
  g_assert_cmpuint (confab_conversation_get_unread_count (from_bob), ==, 2);
  g_assert_false (confab_message_get_show_header (last_message (from_bob)));

  /* Messages from the server itself are marked as such. */
  g_assert_true (confab_server_send_signal (fixture->server, fixture->session_id, NULL, "chat",
                                            "Maintenance at noon", NULL));
  WAIT_UNTIL (n_messages (everyone) == 2);
  g_assert_true (confab_message_get_from_server (last_message (everyone)));

  /* The unread badge of Bob's row shows 2, and goes once his conversation is shown. */
  drain ();
  WAIT_UNTIL ((row = find_sidebar_row (child (window, "sidebar_list"), from_bob)) != NULL);
  g_assert_true (gtk_widget_get_visible (unread_badge (row)));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (unread_badge (row))), ==, "2");
  confab_chat_page_select (page_of (window), from_bob);
  g_assert_cmpuint (confab_conversation_get_unread_count (from_bob), ==, 0);
  drain ();
  g_assert_false (gtk_widget_get_visible (unread_badge (row)));

  peer_free (bob);
}

/* Text of exactly @length bytes, in words as a person would write. */
static char *
words (gsize length)
{
  char *text = g_strnfill (length, 'a');

  for (gsize i = 7; i < length; i += 8)
    text[i] = ' ';
  return text;
}

/* Over 8 KiB is refused with a sentence saying by how much, and nothing goes out. */
static void
test_over_limit (Fixture       *fixture,
                 gconstpointer  data)
{
  ConfabWindow *window = open_window (fixture, CONFAB_ROLE_PUBLISHER, "Ann");
  ConfabConversation *everyone = confab_chat_get_everyone (confab_window_get_chat (window));
  Peer *bob = peer_new (fixture, "Bob");
  g_autofree char *near = words (CONFAB_SIGNAL_DATA_MAX_LENGTH - 100);
  g_autofree char *over = words (CONFAB_SIGNAL_DATA_MAX_LENGTH + 808);
  g_autofree char *kept = NULL;

  type_text (window, "short");
  g_assert_false (gtk_widget_get_visible (child (window, "limit_label")));

  type_text (window, near);
  g_assert_true (label_shows (window, "limit_label", "100 bytes left"));

  type_text (window, over);
  g_assert_true (label_shows (window, "limit_label", "808 bytes too long"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page_of (window)), "chat.send", NULL));
  g_assert_true (label_shows (window, "composer_error", "808 bytes over the 8 KiB limit"));
  kept = composer_text (window);
  g_assert_cmpuint (strlen (kept), ==, CONFAB_SIGNAL_DATA_MAX_LENGTH + 808);
  g_assert_cmpuint (n_messages (everyone), ==, 0);

  /* Exactly at the limit goes through. */
  g_free (over);
  over = words (CONFAB_SIGNAL_DATA_MAX_LENGTH);
  send_text (window, over);
  g_assert_false (gtk_widget_get_visible (child (window, "composer_error")));
  WAIT_UNTIL (peer_count (bob, "chat") == 1);
  g_assert_cmpuint (n_messages (everyone), ==, 1);

  /* 8 KiB with no space in it arrives and is laid out without freezing the window. */
  g_free (over);
  over = g_strnfill (CONFAB_SIGNAL_DATA_MAX_LENGTH, 'x');
  peer_send (bob, "chat", over, NULL);
  WAIT_UNTIL (n_messages (everyone) == 2);
  g_assert_cmpstr (confab_message_get_text (last_message (everyone)), ==, over);
  drain ();
  spin (200);

  peer_free (bob);
}

/* The server goes away: the status bar says so, messages queue and are counted; a server
 * back on the same port takes them, and they are marked sent. */
static void
test_reconnect (Fixture       *fixture,
                gconstpointer  data)
{
  ConfabWindow *window = open_window (fixture, CONFAB_ROLE_PUBLISHER, "Ann");
  ConfabChat *chat = confab_window_get_chat (window);
  ConfabConversation *everyone = confab_chat_get_everyone (chat);
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  GtkWidget *retry_now = child (window, "retry_now_button");

  g_assert_false (gtk_widget_get_visible (retry_now));
  g_assert_cmpstr (label_text (window, "queued_label"), ==, "");

  confab_server_stop (fixture->server);
  g_clear_object (&fixture->server);
  WAIT_UNTIL (g_str_has_prefix (label_text (window, "status_label"), "Reconnecting…"));
  g_assert_true (gtk_widget_get_visible (retry_now));
  WAIT_UNTIL (strstr (label_text (window, "status_label"), "next try in") != NULL);

  send_text (window, "One");
  WAIT_UNTIL (g_str_equal (label_text (window, "queued_label"), "1 message queued"));
  send_text (window, "Two");
  WAIT_UNTIL (g_str_equal (label_text (window, "queued_label"), "2 messages queued"));
  send_text (window, "Three");
  WAIT_UNTIL (g_str_equal (label_text (window, "queued_label"), "3 messages queued"));
  g_assert_cmpuint (n_messages (everyone), ==, 3);
  drain ();
  WAIT_UNTIL (gtk_widget_get_visible (child (window, "scroller")));
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(ConfabMessage) message =
        g_list_model_get_item (confab_conversation_get_messages (everyone), i);

      g_assert_cmpint (confab_message_get_status (message), ==, CONFAB_MESSAGE_QUEUED);
    }
  save_screenshot (GTK_WIDGET (window), "reconnecting.png");

  /* The same project on the same port. */
  fixture->server = confab_server_new (KEY, SECRET);
  g_assert_true (confab_server_listen (fixture->server, "127.0.0.1", fixture->port, &error));
  g_assert_no_error (error);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page_of (window)), "chat.retry-now",
                                             NULL));

  WAIT_UNTIL (g_str_equal (label_text (window, "queued_label"), ""));
  WAIT_UNTIL (g_str_has_prefix (label_text (window, "status_label"), "Connected"));
  g_assert_false (gtk_widget_get_visible (retry_now));
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(ConfabMessage) message =
        g_list_model_get_item (confab_conversation_get_messages (everyone), i);

      WAIT_UNTIL (confab_message_get_status (message) == CONFAB_MESSAGE_SENT);
    }
}

/* A message that could not go out says why and can be sent again. */
static void
test_failed_and_retry (Fixture       *fixture,
                       gconstpointer  data)
{
  ConfabWindow *window = open_window (fixture, CONFAB_ROLE_PUBLISHER, "Ann");
  ConfabChat *chat = confab_window_get_chat (window);
  ConfabConversation *everyone = confab_chat_get_everyone (chat);
  Peer *bob = peer_new (fixture, "Bob");
  ConfabMessage *message;
  GtkWidget *row;
  GtkWidget *failure;

  confab_session_disconnect (confab_chat_get_session (chat));
  WAIT_UNTIL (g_str_equal (label_text (window, "status_label"), "Disconnected"));
  g_assert_true (gtk_widget_get_visible (child (window, "reconnect_button")));

  send_text (window, "Anyone?");
  message = last_message (everyone);
  WAIT_UNTIL (confab_message_get_status (message) == CONFAB_MESSAGE_FAILED);
  g_assert_nonnull (confab_message_get_error_message (message));
  g_assert_cmpstr (confab_message_get_error_message (message), !=, "");

  /* The row shows why, with a Retry button. */
  WAIT_UNTIL ((row = find_message_row (child (window, "message_list"), message)) != NULL);
  failure = GTK_WIDGET (gtk_widget_get_template_child (row, CONFAB_TYPE_MESSAGE_ROW, "failure"));
  WAIT_UNTIL (gtk_widget_get_visible (failure));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (gtk_widget_get_template_child
                                                    (row, CONFAB_TYPE_MESSAGE_ROW,
                                                     "error_label"))),
                   ==, confab_message_get_error_message (message));
  save_screenshot (GTK_WIDGET (window), "failed.png");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page_of (window)), "chat.reconnect",
                                             NULL));
  WAIT_UNTIL (g_str_has_prefix (label_text (window, "status_label"), "Connected"));
  g_assert_true (gtk_widget_activate_action (row, "row.retry", NULL));
  WAIT_UNTIL (confab_message_get_status (message) == CONFAB_MESSAGE_SENT);
  WAIT_UNTIL (peer_received (bob, "chat|Anyone?"));
  WAIT_UNTIL (!gtk_widget_get_visible (failure));

  peer_free (bob);
}

/* Typing notices: ours go out as their own signal type; theirs show under the conversation
 * and clear on their message or after a few seconds. */
static void
test_typing (Fixture       *fixture,
             gconstpointer  data)
{
  ConfabWindow *window = open_window (fixture, CONFAB_ROLE_PUBLISHER, "Ann");
  Peer *bob = peer_new (fixture, "Bob");

  type_text (window, "I am wri");
  WAIT_UNTIL (peer_received (bob, "typing|"));

  peer_send (bob, "typing", "", NULL);
  WAIT_UNTIL (g_str_equal (label_text (window, "typing_label"), "Bob is typing…"));
  peer_send (bob, "chat", "Done typing", NULL);
  WAIT_UNTIL (g_str_equal (label_text (window, "typing_label"), ""));

  peer_send (bob, "typing", "", NULL);
  WAIT_UNTIL (g_str_equal (label_text (window, "typing_label"), "Bob is typing…"));
  WAIT_UNTIL (g_str_equal (label_text (window, "typing_label"), ""));   /* by itself */

  peer_free (bob);
}

/* A moderator removes someone from the row's menu action. */
static void
test_remove_participant (Fixture       *fixture,
                         gconstpointer  data)
{
  ConfabWindow *window = open_window (fixture, CONFAB_ROLE_MODERATOR, "Mod");
  Peer *bob = peer_new (fixture, "Bob");
  ConfabConversation *to_bob;

  WAIT_UNTIL ((to_bob = conversation_for (window, bob)) != NULL);
  g_assert_true (confab_conversation_get_can_remove (to_bob));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page_of (window)),
                                             "chat.remove-participant", "s", peer_id (bob)));
  WAIT_UNTIL (confab_session_get_state (bob->session) == CONFAB_SESSION_STATE_DISCONNECTED);
  WAIT_UNTIL (!sidebar_has (window, "Bob"));

  peer_free (bob);
}

/* A hundred thousand messages: the view still scrolls to the end and takes new ones. */
static void
test_many_messages (Fixture       *fixture,
                    gconstpointer  data)
{
  ConfabWindow *window = open_window (fixture, CONFAB_ROLE_PUBLISHER, "Ann");
  ConfabConversation *everyone = confab_chat_get_everyone (confab_window_get_chat (window));
  GtkListView *list = child (window, "message_list");
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (child (window, "scroller"));
  Peer *bob = peer_new (fixture, "Bob");
  gint64 start, appended, settled, one_by_one, answered;
  gint64 now = g_get_real_time ();

  start = g_get_monotonic_time ();
  for (guint i = 0; i < 100000; i++)
    {
      g_autofree char *text = g_strdup_printf ("Message number %u", i);
      g_autoptr(ConfabMessage) message =
        confab_message_new (i % 3 ? "peer-a" : "peer-b", i % 3 ? "Alice" : "Bert", text,
                            now - (100000 - i) * G_USEC_PER_SEC, CONFAB_MESSAGE_RECEIVED);

      confab_conversation_append (everyone, message);
    }
  appended = g_get_monotonic_time ();
  drain ();
  settled = g_get_monotonic_time ();

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (list))),
                    ==, 100000);

  /* Then a thousand more one at a time, each shown before the next, as a chat receives them. */
  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(ConfabMessage) message =
        confab_message_new ("peer-a", "Alice", "One more", g_get_real_time (),
                            CONFAB_MESSAGE_RECEIVED);

      confab_conversation_append (everyone, message);
      drain ();
    }
  one_by_one = g_get_monotonic_time ();

  /* Still answering: a peer's message arrives, shows, and the view follows it to the end. */
  peer_send (bob, "chat", "And one more", NULL);
  WAIT_UNTIL (n_messages (everyone) == 101001);
  drain ();
  WAIT_UNTIL (gtk_adjustment_get_value (adjustment) >=
              gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment)
              - 60);
  answered = g_get_monotonic_time ();
  g_assert_false (gtk_widget_get_visible (child (window, "jump_button")));

  /* Scrolled up, the view stays put and offers to jump back. */
  gtk_adjustment_set_value (adjustment, 0);
  drain ();
  WAIT_UNTIL (gtk_widget_get_visible (child (window, "jump_button")));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page_of (window)), "chat.jump-to-latest",
                                             NULL));
  drain ();
  WAIT_UNTIL (!gtk_widget_get_visible (child (window, "jump_button")));

  /* Reported, not asserted: the machine's speed is not the app's. */
  g_test_message ("100,000 messages appended in %.0f ms, view settled in %.0f ms; then 1,000 "
                  "more one by one, each followed by a main loop pass: %.2f ms each; a peer's "
                  "message shown at the end %.0f ms after sending",
                  (appended - start) / 1000.0, (settled - appended) / 1000.0,
                  (one_by_one - settled) / 1000.0 / 1000.0, (answered - one_by_one) / 1000.0);

  peer_free (bob);
}

static void
on_clipboard_text (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  char **text = user_data;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
  if (*text == NULL)
    *text = g_strdup ("");
}

static gboolean
window_connected (ConfabWindow *window)
{
  ConfabChat *chat = confab_window_get_chat (window);

  return chat != NULL && confab_chat_get_session (chat) != NULL &&
         confab_session_get_state (confab_chat_get_session (chat)) ==
           CONFAB_SESSION_STATE_CONNECTED &&
         confab_chat_page_get_chat (page_of (window)) == chat;
}

/* Hosting starts an embedded server and gives an invite link; a second window joins with
 * it under its own name, and the two chat. */
static void
test_host_and_join (Fixture       *fixture,
                    gconstpointer  data)
{
  ConfabWindow *host = confab_window_new (application);
  ConfabWindow *guest = confab_window_new (application);
  ConfabConversation *everyone;
  ConfabConversation *to_guest;
  const char *link;
  g_autofree char *guest_id = NULL;

  gtk_window_present (GTK_WINDOW (host));
  confab_window_host (host, "Hanna", FALSE);
  WAIT_UNTIL (window_connected (host));
  g_assert_true (confab_chat_get_is_hosting (confab_window_get_chat (host)));
  g_assert_true (confab_chat_get_is_moderator (confab_window_get_chat (host)));
  link = confab_chat_get_invite_link (confab_window_get_chat (host));
  g_assert_nonnull (link);
  g_assert_true (gtk_widget_get_visible (child (host, "invite_button")));
  save_screenshot (GTK_WIDGET (host), "hosting.png");

  /* Ctrl+Shift+C's action puts the link on the clipboard. */
  {
    GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (host));
    g_autofree char *copied = NULL;

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (host), "win.copy-invite", NULL));
    gdk_clipboard_read_text_async (clipboard, NULL, on_clipboard_text, &copied);
    WAIT_UNTIL (copied != NULL);
    g_assert_cmpstr (copied, ==, link);
  }

  gtk_window_present (GTK_WINDOW (guest));
  confab_window_join (guest, link, "Gus");
  WAIT_UNTIL (window_connected (guest));
  g_assert_false (confab_chat_get_is_moderator (confab_window_get_chat (guest)));
  WAIT_UNTIL (sidebar_has (host, "Gus"));
  WAIT_UNTIL (sidebar_has (guest, "Gus (you)") && sidebar_has (guest, "Hanna"));

  /* The host may remove the guest; the guest may not remove anyone. */
  guest_id = g_strdup (confab_connection_get_id (confab_session_get_connection
                                                   (confab_chat_get_session
                                                      (confab_window_get_chat (guest)))));
  to_guest = confab_chat_lookup_conversation (confab_window_get_chat (host), guest_id);
  g_assert_nonnull (to_guest);
  g_assert_true (confab_conversation_get_can_remove (to_guest));
  for (guint i = 0; i < g_list_model_get_n_items (sidebar (guest)); i++)
    g_assert_false (confab_conversation_get_can_remove (sidebar_item (guest, i)));

  /* Broadcast from the host, a direct reply from the guest. */
  send_text (host, "Welcome, Gus!");
  everyone = confab_chat_get_everyone (confab_window_get_chat (guest));
  WAIT_UNTIL (n_messages (everyone) == 1);
  g_assert_cmpstr (confab_message_get_text (last_message (everyone)), ==, "Welcome, Gus!");

  {
    ConfabChat *host_chat = confab_window_get_chat (host);
    const char *host_id = confab_connection_get_id (confab_session_get_connection
                                                      (confab_chat_get_session (host_chat)));
    ConfabConversation *to_host;

    WAIT_UNTIL ((to_host = confab_chat_lookup_conversation (confab_window_get_chat (guest),
                                                            host_id)) != NULL);
    confab_chat_page_select (page_of (guest), to_host);
    send_text (guest, "Thanks, Hanna");
    WAIT_UNTIL (n_messages (to_guest) == 1);
    g_assert_cmpstr (confab_message_get_text (last_message (to_guest)), ==, "Thanks, Hanna");
    g_assert_cmpuint (n_messages (confab_chat_get_everyone (host_chat)), ==, 1);

    /* A direct message to a window not in focus is announced. */
    if (!gtk_window_is_active (GTK_WINDOW (host)))
      {
        WAIT_UNTIL (notifications_shown > 0);
        g_assert_cmpstr (last_notification_summary, ==, "Message from Gus");
        g_test_message ("the host window was not focused: a notification was shown");
      }
  }
}

/* A link that is not an invite is refused on the start page with a sentence. */
static void
test_join_bad_link (Fixture       *fixture,
                    gconstpointer  data)
{
  ConfabWindow *window = confab_window_new (application);
  GtkWidget *start = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window),
                                                                CONFAB_TYPE_WINDOW,
                                                                "start_page"));
  GtkWidget *link_row = GTK_WIDGET (gtk_widget_get_template_child (start,
                                                                   CONFAB_TYPE_START_PAGE,
                                                                   "link_row"));
  GtkLabel *error = GTK_LABEL (gtk_widget_get_template_child (start, CONFAB_TYPE_START_PAGE,
                                                              "error_label"));

  gtk_window_present (GTK_WINDOW (window));

  /* Empty: asked for. */
  gtk_editable_set_text (GTK_EDITABLE (link_row), "");
  g_assert_true (gtk_widget_activate_action (start, "start.join", NULL));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (error)));
  g_assert_cmpstr (gtk_label_get_label (error), ==,
                   "Paste the invite link the host shared with you.");

  /* Not a link: the library's sentence, and the window stays on the start page. */
  gtk_editable_set_text (GTK_EDITABLE (link_row), "hello there");
  g_assert_true (gtk_widget_activate_action (start, "start.join", NULL));
  WAIT_UNTIL (confab_window_get_chat (window) == NULL &&
              gtk_widget_get_visible (GTK_WIDGET (error)) &&
              !g_str_equal (gtk_label_get_label (error),
                            "Paste the invite link the host shared with you."));
  g_test_message ("refused with: %s", gtk_label_get_label (error));
  g_assert_cmpstr (gtk_label_get_label (error), !=, "");
  g_assert_null (confab_window_get_chat (window));
}

/* The start page as a new window shows it. */
static void
test_start_look (Fixture       *fixture,
                 gconstpointer  data)
{
  GSettings *settings = confab_application_get_settings (application);
  ConfabWindow *window;

  /* The page shows the remembered name. */
  g_assert_nonnull (settings);
  g_settings_set_string (settings, "display-name", "Ann Lee");
  window = confab_window_new (application);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  gtk_window_present (GTK_WINDOW (window));
  drain ();
  save_screenshot (GTK_WIDGET (window), "start.png");
  g_settings_reset (settings, "display-name");
}

/* The picture for the metainfo: a lively conversation. */
static void
test_conversation_look (Fixture       *fixture,
                        gconstpointer  data)
{
  ConfabWindow *window = open_window (fixture, CONFAB_ROLE_MODERATOR, "Ann Lee");
  ConfabChat *chat = confab_window_get_chat (window);
  ConfabConversation *everyone = confab_chat_get_everyone (chat);
  Peer *bob = peer_new (fixture, "Bob Marsh");
  Peer *chioma = peer_new (fixture, "Chioma Obi");
  g_autofree char *ann_id = NULL;

  ann_id = g_strdup (confab_connection_get_id (confab_session_get_connection
                                                 (confab_chat_get_session (chat))));
  peer_send (bob, "chat", "Morning! Is everyone on the call at ten?", NULL);
  WAIT_UNTIL (n_messages (everyone) == 1);
  send_text (window, "Yes, I booked the small room.");
  WAIT_UNTIL (confab_message_get_status (last_message (everyone)) == CONFAB_MESSAGE_SENT);
  send_text (window, "I will bring the printouts too.");
  WAIT_UNTIL (confab_message_get_status (last_message (everyone)) == CONFAB_MESSAGE_SENT);
  peer_send (chioma, "chat", "Count me in. I might be five minutes late, the bus is slow today.",
             NULL);
  WAIT_UNTIL (n_messages (everyone) == 4);
  peer_send (chioma, "chat", "Can you send me the slides before?", ann_id);
  peer_send (bob, "typing", "", NULL);
  WAIT_UNTIL (g_str_equal (label_text (window, "typing_label"), "Bob Marsh is typing…"));
  type_text (window, "Sure, here they come");
  drain ();
  save_screenshot (GTK_WIDGET (window), "chat.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  save_screenshot (GTK_WIDGET (window), "chat-dark.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);

  peer_free (bob);
  peer_free (chioma);
}

/* A stand-in desktop notification server on the test's private bus, so notifications are
 * received and counted rather than lost with a warning. */

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static void
on_notifications_call (GDBusConnection       *connection,
                       const char            *sender,
                       const char            *object_path,
                       const char            *interface_name,
                       const char            *method_name,
                       GVariant              *parameters,
                       GDBusMethodInvocation *invocation,
                       gpointer               user_data)
{
  if (g_str_equal (method_name, "Notify"))
    {
      const char *summary = NULL;

      g_variant_get_child (parameters, 3, "&s", &summary);
      g_free (last_notification_summary);
      last_notification_summary = g_strdup (summary);
      notifications_shown++;
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)",
                                                                        notifications_shown));
    }
  else if (g_str_equal (method_name, "GetCapabilities"))
    {
      const char *caps[] = { "body", "actions", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else if (g_str_equal (method_name, "GetServerInformation"))
    {
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ssss)", "test",
                                                                        "confab", "1", "1.2"));
    }
  else
    {
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
}

static void
serve_notifications (void)
{
  static const GDBusInterfaceVTable vtable = { on_notifications_call, NULL, NULL, { 0 } };
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (application));
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  if (bus == NULL)
    return;

  info = g_dbus_node_info_new_for_xml (notifications_xml, &error);
  g_assert_no_error (error);
  g_dbus_connection_register_object (bus, "/org/freedesktop/Notifications",
                                     info->interfaces[0], &vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  g_bus_own_name_on_connection (bus, "org.freedesktop.Notifications",
                                G_BUS_NAME_OWNER_FLAGS_NONE, NULL, NULL, NULL, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("LANGUAGE", "C", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);

  application = confab_application_new (G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (application), NULL, &error));
  g_assert_no_error (error);
  g_application_hold (G_APPLICATION (application));
  serve_notifications ();
  g_timeout_add (50, tick, NULL);

#define ADD(name, func) \
  g_test_add ("/app/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("sidebar-join-leave", test_sidebar_join_leave);
  ADD ("direct-and-broadcast", test_direct_and_broadcast);
  ADD ("incoming-unread", test_incoming_unread);
  ADD ("over-limit", test_over_limit);
  ADD ("reconnect", test_reconnect);
  ADD ("failed-and-retry", test_failed_and_retry);
  ADD ("typing", test_typing);
  ADD ("remove-participant", test_remove_participant);
  ADD ("many-messages", test_many_messages);
  ADD ("host-and-join", test_host_and_join);
  ADD ("join-bad-link", test_join_bad_link);
  ADD ("conversation-look", test_conversation_look);
  ADD ("start-look", test_start_look);
#undef ADD

  status = g_test_run ();

  g_application_release (G_APPLICATION (application));
  g_clear_object (&application);
  g_clear_pointer (&last_notification_summary, g_free);
  return status;
}
