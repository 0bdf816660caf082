#ifndef FOTOBOX_CMICROHTTPD_SHIM_H
#define FOTOBOX_CMICROHTTPD_SHIM_H
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdarg.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

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

/// The GnuTLS session of a TLS connection (NULL for plain HTTP), untyped: WebServer hands it out as
/// `HTTPConnection.tlsSession` and only the office (OfficeReceiver, which links GnuTLS) looks into it.
static inline void *fotobox_mhd_tls_session(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    return info ? info->tls_session : NULL;
}


/// The socket of a connection (-1 if unknown): the kiosk's connection places and the office's handshake
/// watchdog shut it down to cut a connection.
static inline int fotobox_mhd_connection_socket(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info ? (int)info->connect_fd : -1;
}

/// The client's IPv4/IPv6 address as text into `buffer` ("?" when unknown).
static inline void fotobox_mhd_client_address(struct MHD_Connection *connection, char *buffer, size_t size) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(buffer, size, "?");
    if (info == NULL || info->client_addr == NULL) return;
    const struct sockaddr *address = info->client_addr;
    if (address->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)address)->sin_addr, buffer, (socklen_t)size);
    else if (address->sa_family == AF_INET6) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)address)->sin6_addr, buffer, (socklen_t)size);
}

#endif
