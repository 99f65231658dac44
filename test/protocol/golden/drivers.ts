/**
 * What each capture driver (tools/capture/drivers/) did, written down from the drivers and
 * the client versions rather than from index.json, so that the decoded frames can be checked
 * against values our decoder had no part in producing.
 */

export interface DriverFacts {
  /** The topic capture.js passes as TOPIC: `golden-<client folder>`, created with 3 partitions. */
  topic: string;
  /** Consumer groups: GROUP (`golden-<client>-group`) and, for KIP-848 consumers, GROUP-848. */
  groups: readonly string[];
  transactionalIds: readonly string[];
  /** Every client id the driver configures (or the library's default when it sets none). */
  clientIds: readonly string[];
  /** APIs only one of the driver's clients sends, with that client's id. */
  clientIdByApi: Readonly<Record<string, string>>;
  /** The driver created the topic through the proxy (kcat has no admin API). */
  createsTopic: boolean;
  /** ClientSoftwareName/Version the library sends in ApiVersions v3+, null when it sends < v3. */
  software: { name: string; version: string } | null;
  /** Record header `h`: the record's index i (key k<i>), or the batch codec (kcat, per run). */
  headerValue: 'index' | 'codec';
}

const PER_RECORD = 'index' as const;

function facts(client: string, f: Omit<DriverFacts, 'topic' | 'groups' | 'transactionalIds' | 'clientIdByApi' | 'headerValue'>
  & Partial<DriverFacts>): DriverFacts {
  return {
    topic: `golden-${client}`,
    groups: [`golden-${client}-group`],
    transactionalIds: [],
    clientIdByApi: {},
    headerValue: PER_RECORD,
    ...f,
  };
}

export const DRIVERS: Readonly<Record<string, DriverFacts>> = {
  // kcat.sh: no client.id, so librdkafka's default; topic made by Kafka's TopicCommand off the proxy.
  'kcat': facts('kcat', {
    clientIds: ['rdkafka'],
    createsTopic: false,
    software: { name: 'librdkafka', version: '2.0.2' },
    headerValue: 'codec',
  }),
  // confluent_kafka_driver.py: client.id golden-confluent-kafka-python for both builds.
  'confluent-kafka-python': facts('confluent-kafka-python', {
    clientIds: ['golden-confluent-kafka-python'],
    createsTopic: true,
    software: { name: 'confluent-kafka-python', version: '1.7.0-rdkafka-2.0.2' },
  }),
  'confluent-kafka-python-pypi': facts('confluent-kafka-python-pypi', {
    groups: ['golden-confluent-kafka-python-pypi-group', 'golden-confluent-kafka-python-pypi-group-848'],
    clientIds: ['golden-confluent-kafka-python'],
    createsTopic: true,
    software: { name: 'confluent-kafka-python', version: '2.16.1-rdkafka-2.16.0' },
  }),
  // kafka_python_driver.py: client_id golden-kafka-python; kafka-python 2.0.2 sends ApiVersions v0.
  'kafka-python': facts('kafka-python', {
    clientIds: ['golden-kafka-python'],
    createsTopic: true,
    software: null,
  }),
  // kafkajs.mjs: clientId golden-kafkajs; kafkajs 2.2.4 sends ApiVersions v2.
  'kafkajs': facts('kafkajs', {
    clientIds: ['golden-kafkajs'],
    createsTopic: true,
    software: null,
  }),
  // platformatic-kafka.mjs: clientId golden-platformatic.
  'platformatic-kafka': facts('platformatic-kafka', {
    clientIds: ['golden-platformatic'],
    createsTopic: true,
    software: { name: 'platformatic-kafka', version: '1.35.0' },
  }),
  // JavaClient.java: one client id per role; a transactional producer golden-java-txn.
  'java': facts('java', {
    groups: ['golden-java-group', 'golden-java-group-848'],
    transactionalIds: ['golden-java-txn'],
    clientIds: ['golden-java-admin', 'golden-java-producer', 'golden-java-consumer-classic', 'golden-java-consumer-consumer'],
    clientIdByApi: {
      CreateTopics: 'golden-java-admin',
      DescribeTopicPartitions: 'golden-java-admin',
      DescribeConfigs: 'golden-java-admin',
      ConsumerGroupDescribe: 'golden-java-admin',
      DescribeGroups: 'golden-java-admin',
      Produce: 'golden-java-producer',
      InitProducerId: 'golden-java-producer',
      EndTxn: 'golden-java-producer',
      JoinGroup: 'golden-java-consumer-classic',
      SyncGroup: 'golden-java-consumer-classic',
      ConsumerGroupHeartbeat: 'golden-java-consumer-consumer',
    },
    createsTopic: true,
    software: { name: 'apache-kafka-java', version: '4.0.2' },
  }),
};
