/// mimalloc instead of the system allocator: a GraphQL response is tens of thousands of small
/// values built and dropped per request, and glibc's malloc spent a quarter of the CPU time of
/// the 1,000-organization benchmark requests in allocation and consolidation (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    orgraph::cli::run()
}
