//! The client's request envelopes that the simulator crate's unit tests read from files
//! (`simulator/fixtures/`): the simulator cannot call the client's writer (it depends on
//! nothing of the product), so this test proves the files are exactly what the writer
//! produces. `NSD_WRITE_FIXTURES=1` rewrites them.

use netsuite_discovery::netsuite::envelope::{search_request, SearchPreferences};
use netsuite_discovery::netsuite::search::{SearchQuery, SearchType};
use netsuite_discovery::netsuite::SoapVersion;
use netsuite_discovery::netsuite::TokenPassport;

fn passport() -> TokenPassport {
    TokenPassport {
        account: "1234567_SB1".into(),
        consumer_key: "ck".into(),
        token: "tk".into(),
        nonce: "abcdef123".into(),
        timestamp: 1_700_000_000,
        signature: "c2ln".into(),
    }
}

#[test]
fn the_simulators_request_fixtures_are_what_the_client_writes() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("simulator/fixtures");
    for (file, prefs) in [
        ("client_search_all_fields_250.xml", SearchPreferences { body_fields_only: false, page_size: 250 }),
        ("client_search_body_fields_1000.xml", SearchPreferences { body_fields_only: true, page_size: 1000 }),
    ] {
        let written =
            search_request(SoapVersion::V2017_2, &passport(), prefs, &SearchQuery::all(SearchType::Vendor)).unwrap();
        let path = dir.join(file);
        if std::env::var_os("NSD_WRITE_FIXTURES").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &written).unwrap();
        }
        let stored = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            String::from_utf8_lossy(&stored),
            String::from_utf8_lossy(&written),
            "{file} differs from the client's envelope: rerun with NSD_WRITE_FIXTURES=1"
        );
    }
}
