/* An empty stand-in for <curl/curl.h>, on the C include path of the build (.cargo/config.toml).
 *
 * librdkafka 2.12 (bundled by rdkafka-sys, built with cmake) includes <curl/curl.h> in
 * rdkafka_conf.c whenever WITH_OAUTHBEARER_OIDC is *defined*, and its cmake config always
 * defines it (as 0 without curl): the build then fails on machines without libcurl headers
 * (upstream issue confluentinc/librdkafka#5135). Nothing from curl is used when the value
 * is 0, so an empty header is enough. Tributary builds librdkafka without curl (no OIDC). */
#ifndef TRIBUTARY_CURL_STUB_H
#define TRIBUTARY_CURL_STUB_H
#endif
