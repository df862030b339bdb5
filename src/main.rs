//! `fintech`: parse the command line, run the command, print the error chain once, exit.

use clap::Parser;

use fintech::cli::Cli;

fn main() {
    // Piped into `head` and the like: end quietly when the reader goes away, as Unix tools do.
    #[cfg(unix)]
    // SAFETY: restoring the default action of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let start = std::time::Instant::now();
    let cli = Cli::parse();
    let verbose = cli.global.verbose > 0;
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = match rt.block_on(fintech::commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            let text = fintech::describe_error(&e, verbose);
            // Located errors (`file:line:col: error: ...`) carry their own label.
            if text.lines().next().is_some_and(|l| l.contains(": error: ")) {
                eprintln!("{text}");
            } else {
                eprintln!("error: {text}");
            }
            eprintln!("(failed after {:.1}s)", start.elapsed().as_secs_f64());
            // As shells report a command ended by Ctrl-C.
            if fintech::interrupted() { 130 } else { 1 }
        }
    };
    std::process::exit(code);
}
