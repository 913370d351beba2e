//! `concord`: parse the command line, then hand over to the `server` library.

use anyhow::Context;
use clap::Parser;
use server::admin;
use server::config::{AdminCommand, Cli, Command};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    server::telemetry::init_logging();
    match cli.command {
        Command::Serve(args) => {
            let app = server::App::build(&args).await?;
            let listener = tokio::net::TcpListener::bind(args.listen)
                .await
                .with_context(|| format!("binding {}", args.listen))?;
            tracing::info!(addr = %listener.local_addr()?, "listening");
            app.run(listener, server::shutdown_signal()).await
        }
        Command::Migrate(storage) => {
            let db = server::connect(&storage).await?;
            db.close().await;
            println!("migrations applied");
            Ok(())
        }
        Command::Admin(AdminCommand::Ticket(args)) => {
            println!("{}", admin::ticket(&args)?);
            Ok(())
        }
        Command::Admin(AdminCommand::CreateOperator(args)) => {
            let db = admin::open(&args.storage).await?;
            let out = admin::create_operator(&db, &args).await;
            db.close().await;
            print!("{}", out?);
            Ok(())
        }
        Command::Admin(AdminCommand::ResetPassword(args)) => {
            let db = admin::open(&args.storage).await?;
            let out = admin::reset_password(&db, &args).await;
            db.close().await;
            print!("{}", out?);
            Ok(())
        }
        Command::Admin(AdminCommand::Import(args)) => {
            let db = admin::open(&args.storage).await?;
            let out = admin::import(&db, &args).await;
            db.close().await;
            print!("{}", out?);
            Ok(())
        }
        Command::Admin(AdminCommand::Regions(storage)) => {
            let db = admin::open(&storage).await?;
            let out = admin::regions(&db).await;
            db.close().await;
            print!("{}", out?);
            Ok(())
        }
        Command::Admin(AdminCommand::AnnualReport(args)) => {
            let db = admin::open(&args.storage).await?;
            let out = admin::annual_report(&db, &args).await;
            db.close().await;
            print!("{}", out?);
            Ok(())
        }
        Command::Admin(AdminCommand::CalendarLoad(args)) => {
            let db = admin::open(&args.storage).await?;
            let out = admin::calendar_load(&db, &args).await;
            db.close().await;
            print!("{}", out?);
            Ok(())
        }
        Command::Admin(AdminCommand::Limits(args)) => {
            let db = admin::open(&args.storage).await?;
            let out = admin::limits(&db, &args).await;
            db.close().await;
            print!("{}", out?);
            Ok(())
        }
        Command::Admin(AdminCommand::Keygen(args)) => {
            print!("{}", server::sign_cmd::keygen(&args)?);
            Ok(())
        }
        Command::Admin(AdminCommand::Sign(args)) => {
            print!("{}", server::sign_cmd::sign(&args).await?);
            Ok(())
        }
        Command::Verify(args) => {
            let Some(root) = args.trust_root() else {
                eprint!("{}", server::signing::verify::NO_TRUST_ROOT);
                std::process::exit(2);
            };
            let (verified, text) = server::signing::verify::run_command(&args.bundle, root);
            print!("{text}");
            if !verified {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Admin(AdminCommand::AuditVerify(storage)) => {
            let db = admin::open(&storage).await?;
            let result = admin::audit_verify(&db).await;
            db.close().await;
            let (intact, text) = result?;
            print!("{text}");
            if !intact {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}
