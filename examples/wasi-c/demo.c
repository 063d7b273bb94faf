/* A WASI command in C (wasi-libc): args, clock_gettime, getentropy,
 * stdio buffering, and an exit status, run on the Basalt board.
 *
 *   clang --target=wasm32-wasi -O2 demo.c -o demo.wasm
 *   basalt run demo.wasm -- hello world     # exits with status 7
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* FNV-1a over the first n Fibonacci numbers mod 2^32: a checksum the
 * tests recompute on the host. */
static uint32_t fib_fnv(unsigned n) {
    uint32_t a = 0, b = 1, h = 2166136261u;
    for (unsigned i = 0; i < n; i++) {
        uint32_t t = a + b;
        a = b;
        b = t;
        for (int k = 0; k < 4; k++) {
            h ^= (a >> (8 * k)) & 0xff;
            h *= 16777619u;
        }
    }
    return h;
}

int main(int argc, char **argv) {
    printf("argc = %d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    printf("fnv = %08x\n", (unsigned)fib_fnv(100000));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    printf("clock moved = %s\n", ns > 0 ? "true" : "false");

    unsigned char buf[16];
    printf("getentropy = %d\n", getentropy(buf, sizeof buf));
    printf("stdin read = %d\n", (int)read(0, buf, sizeof buf));
    fflush(stdout);
    fprintf(stderr, "exiting with 7\n");
    return 7;
}
