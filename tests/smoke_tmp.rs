use sessionlog::*;
fn ev() -> SessionEvent {
    SessionEvent { session_id: "s".into(), event_id: generate_event_id(), timestamp: now_rfc3339(), sequence_no: 0,
      trace_id: generate_trace_id(), span_id: generate_span_id(), parent_span_id: None, agent_id: "a".into(),
      agent_instance_id: "i".into(), agent_name: "n".into(), agent_role: None, host_id: "h".into(), tool_runtime_id: None,
      event_type: EventType::SessionStarted, artifact_ref: None, meta: None }
}
#[test]
fn smoke() {
    let dir = std::env::temp_dir().join(format!("sl-smoke-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let log = EventLog::open(&dir).unwrap();
    assert!(!dir.exists());
    for i in 0..5 { let mut e = ev(); log.append(&mut e).unwrap(); assert_eq!(e.sequence_no, i); }
    std::fs::OpenOptions::new().append(true).open(dir.join("events.jsonl")).unwrap();
    use std::io::Write;
    std::fs::OpenOptions::new().append(true).open(dir.join("events.jsonl")).unwrap().write_all(b"{\"torn").unwrap();
    let log2 = EventLog::open(&dir).unwrap();
    let mut e = ev(); log2.append(&mut e).unwrap(); assert_eq!(e.sequence_no, 5);
    let mut e = ev(); log.append(&mut e).unwrap(); assert_eq!(e.sequence_no, 6);
    let r = log.check().unwrap(); println!("{r}"); assert!(r.is_ok());
    assert_eq!(std::fs::read(dir.join("events.jsonl.torn")).unwrap(), b"{\"torn\n");
    let m = MemoryStore::new();
    let l = EventLog::with_store(m.clone(), Options::default()).unwrap();
    let l2 = EventLog::with_store(m.clone(), Options::default()).unwrap();
    for i in 0..4 { let mut e = ev(); if i%2==0 {l.append(&mut e).unwrap()} else {l2.append(&mut e).unwrap()}; assert_eq!(e.sequence_no, i); }
}
