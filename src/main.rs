// Parsing zone files allocates many small strings; mimalloc handles that load markedly faster
// than glibc's allocator (measured on the 200 × 200 benchmark, bench/).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(dnsplan::cli::main());
}
