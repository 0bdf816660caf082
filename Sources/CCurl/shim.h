#ifndef FOTOBOX_CCURL_SHIM_H
#define FOTOBOX_CCURL_SHIM_H
#include <curl/curl.h>
/// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed entry point per argument kind.
static inline CURLcode fotobox_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode fotobox_curl_setopt_offset(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode fotobox_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode fotobox_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode fotobox_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
/// CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION (the same signature).
static inline CURLcode fotobox_curl_setopt_write(CURL *h, CURLoption o, size_t (*v)(char *, size_t, size_t, void *)) { return curl_easy_setopt(h, o, v); }
/// CURLOPT_DEBUGFUNCTION.
static inline CURLcode fotobox_curl_setopt_debug(CURL *h, int (*v)(CURL *, curl_infotype, char *, size_t, void *)) { return curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, v); }
static inline CURLcode fotobox_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode fotobox_curl_getinfo_offset(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
/// CURLINFO_CERTINFO: the peer's chain as text, valid until the next transfer on the handle.
static inline CURLcode fotobox_curl_getinfo_certinfo(CURL *h, struct curl_certinfo **v) { return curl_easy_getinfo(h, CURLINFO_CERTINFO, v); }
#endif
