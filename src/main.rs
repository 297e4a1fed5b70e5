fn main() {
    std::process::exit(dnsplan::cli::main());
}
