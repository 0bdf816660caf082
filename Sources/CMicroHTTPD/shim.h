#ifndef FOTOBOX_CMICROHTTPD_SHIM_H
#define FOTOBOX_CMICROHTTPD_SHIM_H
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdarg.h>
#include <microhttpd.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

/// MHD_start_daemon is variadic: options go in as an MHD_OPTION_ARRAY (terminated by MHD_OPTION_END).
static inline struct MHD_Daemon *fotobox_mhd_start(unsigned int flags, uint16_t port,
                                                   MHD_AccessHandlerCallback handler, void *context,
                                                   struct MHD_OptionItem *options) {
    return MHD_start_daemon(flags, port, NULL, NULL, handler, context,
                            MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

/// The port the daemon actually bound (port 0 asks the kernel for an ephemeral one); 0 if unknown.
static inline uint16_t fotobox_mhd_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

/// The GnuTLS session of a TLS connection (NULL for plain HTTP).
static inline gnutls_session_t fotobox_mhd_tls_session(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    return info ? (gnutls_session_t)info->tls_session : NULL;
}

/// Verifies the client's certificate chain against the daemon's trust (MHD_OPTION_HTTPS_MEM_TRUST):
/// 0 when a certificate was sent and verifies (chain, validity period), otherwise the GnuTLS status bits
/// (or -1 when no certificate was sent at all).
static inline int fotobox_mhd_verify_client(struct MHD_Connection *connection) {
    gnutls_session_t session = fotobox_mhd_tls_session(connection);
    if (session == NULL) return -1;
    unsigned int listSize = 0;
    if (gnutls_certificate_get_peers(session, &listSize) == NULL || listSize == 0) return -1;
    unsigned int status = 0;
    if (gnutls_certificate_verify_peers2(session, &status) != GNUTLS_E_SUCCESS) return -1;
    return (int)status;
}
#endif
