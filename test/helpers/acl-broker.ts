// A broker with the StandardAuthorizer for ACL tests: its PLAINTEXT listener's clients (the
// test broker's own client, CLIs, kafka-acls.sh) are User:ANONYMOUS, a super user that
// administers; the users under test log in with SASL/PLAIN on the SASL_PLAINTEXT listener.
import { startTestBroker, type TestBroker } from './test-broker.js';

/** `users` maps each PLAIN user name to its password; `config` adds or overrides settings. */
export function startAclBroker(users: Record<string, string>, config: Record<string, string | number | boolean> = {}): Promise<TestBroker> {
  const credentials = Object.entries(users).map(([user, password]) => `user_${user}="${password}"`).join(' ');
  return startTestBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${credentials};`,
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:ANONYMOUS',
      ...config,
    },
  });
}
