/*
 * The per-record cost of TLS 1.3 in OpenSSL itself, as nginx pays it: SSL_write on the server of SIZE bytes and
 * SSL_read of them on the client, over an in-memory BIO pair (no socket), after one handshake. The C peer of
 * bench/EdgeGw.Benchmarks/Tls/TlsRecordBenchmarks.cs (the same operation through .NET's SslStream).
 *
 *   gcc -O2 -o /tmp/tls_record bench/native/tls_record.c -lssl -lcrypto
 *   /tmp/tls_record cert.pem key.pem 10 1024 16384
 *
 * Prints nanoseconds per operation (write + read of one record) for each size, the median of 5 runs of 200,000.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void fail(const char *what)
{
    fprintf(stderr, "%s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s cert.pem key.pem SIZE...\n", argv[0]);
        return 2;
    }

    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(sctx, TLS1_3_VERSION);
    SSL_CTX_set_min_proto_version(cctx, TLS1_3_VERSION);
    if (SSL_CTX_use_certificate_chain_file(sctx, argv[1]) != 1 || SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) != 1)
        fail("cannot load the certificate or key");

    SSL *server = SSL_new(sctx), *client = SSL_new(cctx);
    BIO *sbio, *cbio;
    if (BIO_new_bio_pair(&sbio, 65536, &cbio, 65536) != 1)
        fail("BIO pair");
    SSL_set_bio(server, sbio, sbio);
    SSL_set_bio(client, cbio, cbio);
    SSL_set_accept_state(server);
    SSL_set_connect_state(client);
    for (int i = 0; i < 100 && (SSL_is_init_finished(server) == 0 || SSL_is_init_finished(client) == 0); i++) {
        SSL_do_handshake(client);
        SSL_do_handshake(server);
    }
    if (!SSL_is_init_finished(server) || !SSL_is_init_finished(client))
        fail("handshake");

    static unsigned char payload[16384], received[16384 + 1024];
    memset(payload, 'x', sizeof payload);
    /* The client reads the session tickets with its first read. */
    SSL_write(server, payload, 1);
    SSL_read(client, received, sizeof received);
    printf("%s\n", SSL_get_cipher_name(client));

    for (int a = 3; a < argc; a++) {
        int size = atoi(argv[a]);
        if (size < 1 || size > (int)sizeof payload)
            fail("SIZE is 1 to 16384");
        double runs[5];
        const int n = 200000;
        for (int r = 0; r < 5; r++) {
            double start = now_ns();
            for (int i = 0; i < n; i++) {
                if (SSL_write(server, payload, size) != size)
                    fail("SSL_write");
                int read = 0;
                while (read < size) {
                    int got = SSL_read(client, received + read, sizeof received - read);
                    if (got <= 0)
                        fail("SSL_read");
                    read += got;
                }
            }
            runs[r] = (now_ns() - start) / n;
        }
        qsort(runs, 5, sizeof runs[0], cmp);
        printf("size %5d: %7.0f ns per record (write + read), runs %.0f-%.0f\n", size, runs[2], runs[0], runs[4]);
    }
    return 0;
}
