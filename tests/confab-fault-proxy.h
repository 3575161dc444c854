/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A TCP proxy on 127.0.0.1 between clients and a server, that breaks links on request: it cuts
 * them, swallows their traffic without closing them, delays it, or refuses new ones. */
typedef struct _TestFaultProxy TestFaultProxy;

TestFaultProxy *test_fault_proxy_new            (guint           upstream_port);
void            test_fault_proxy_free           (TestFaultProxy *proxy);
char           *test_fault_proxy_dup_url        (TestFaultProxy *proxy);
void            test_fault_proxy_set_upstream   (TestFaultProxy *proxy,
                                                 guint           upstream_port);
guint           test_fault_proxy_get_n_links    (TestFaultProxy *proxy);
guint           test_fault_proxy_get_n_cuts     (TestFaultProxy *proxy);
void            test_fault_proxy_cut_all        (TestFaultProxy *proxy);
gboolean        test_fault_proxy_cut_one        (TestFaultProxy *proxy,
                                                 GRand          *rand);
void            test_fault_proxy_set_refusing   (TestFaultProxy *proxy,
                                                 gboolean        refusing);
void            test_fault_proxy_set_black_hole (TestFaultProxy *proxy,
                                                 gboolean        black_hole);
void            test_fault_proxy_set_delay      (TestFaultProxy *proxy,
                                                 guint           milliseconds);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestFaultProxy, test_fault_proxy_free)

G_END_DECLS
