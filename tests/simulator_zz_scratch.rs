use netsuite_discovery::netsuite::AccountId;
use netsuite_discovery::simulator::*;
use std::collections::HashMap;
#[test]
fn show() {
    let a = AccountId::parse("1_SB1").unwrap();
    for n in [5usize, 8, 120] {
        let sim = Simulator::new(SimConfig {
            accounts: vec![AccountSpec::new(a.clone(), 17).with_departments(n).with_employees(if n == 120 {
                5000
            } else {
                40
            })],
            ..SimConfig::default()
        });
        let ds = sim.departments(&a).unwrap();
        let es = sim.employees(&a).unwrap();
        let mut count: HashMap<String, usize> = HashMap::new();
        for e in &es {
            *count.entry(e.department.internal_id.clone()).or_default() += 1;
        }
        let by: HashMap<_, _> = ds.iter().map(|d| (d.internal_id.clone(), d.clone())).collect();
        for d in &ds {
            let mut path = vec![d.name.clone()];
            let mut c = d.parent_id.clone();
            while let Some(p) = c {
                path.push(by[&p].name.clone());
                c = by[&p].parent_id.clone();
            }
            path.reverse();
            println!(
                "{:>4} {:<60} inactive={} subs={:?} emps={}",
                d.internal_id,
                path.join(" : "),
                d.is_inactive,
                d.subsidiaries,
                count.get(&d.internal_id).unwrap_or(&0)
            );
        }
        for e in es.iter().take(6) {
            println!("{e:?}");
        }
        println!("----");
    }
}
