// Parsing zone files allocates many small strings; mimalloc handles that load faster than
// glibc's allocator (measured on the 200 × 200 workload of bench/: in-sync plan 0.9 s → 0.43 s,
// validate 0.38 s → 0.17 s, same machine and load).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Keep peak memory close to what a run uses: purge freed pages at once and commit arena
    // memory on demand (mimalloc v2 option ids from mimalloc.h: arena_eager_commit = 4,
    // purge_delay = 15). Measured on the 40,000-record in-sync plan: about 75 MB → 35–41 MB
    // peak RSS (bench/RESULTS.md has 41 MB; octoDNS 70 MB).
    // SAFETY: plain option setters, called before any other thread exists.
    unsafe {
        libmimalloc_sys::mi_option_set(4, 0);
        libmimalloc_sys::mi_option_set(15, 0);
    }
    std::process::exit(dnsplan::cli::main());
}
