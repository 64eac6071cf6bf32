package dev.gantry.infra;

import dev.gantry.functions.Catalog;
import dev.gantry.shared.functions.FunctionSpec;
import dev.gantry.shared.functions.WorkerSpec;
import dev.gantry.shared.queues.QueueSpec;
import dev.gantry.shared.secrets.SecretSpec;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.TableDefinition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.SynthesisMessage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The synthesized Gantry stack, checked against the declarations it is built from: the function
 * catalog's route tables (this is the "CDK agrees with the route table" half of the agreement
 * test), {@link Keys} and {@link TableDefinition}, {@link QueueSpec#ALL}, {@link SecretSpec#ALL};
 * and cdk-nag's AwsSolutions pack. One synthesis (about 10 s) for the whole class.
 */
// Annotations.find* returns cxapi.SynthesisMessage, deprecated in aws-cdk-lib with no replacement in the assertions API.
@SuppressWarnings("deprecation")
class GantryStackTest {
    private static final Set<String> ALLOWED_SUPPRESSIONS = Set.of(
            "AwsSolutions-APIG4", "AwsSolutions-IAM5", "AwsSolutions-SMG4", "AwsSolutions-L1");

    private static List<SynthesisMessage> nagErrors;
    private static List<SynthesisMessage> nagWarnings;
    private static List<SynthesisMessage> allWarnings;
    private static Template template;
    private static Map<String, Map<String, Object>> resources;

    @BeforeAll
    static void synthesize(@TempDir Path outdir) {
        long start = System.nanoTime();
        App app = GantryApp.newApp(outdir, GantryApp.repoRoot(System.getProperty(GantryStack.REPO_ROOT_KEY), Path.of("")));
        var stack = GantryApp.addStack(app);
        // Annotations.fromStack forces a synthesis; Template.fromStack then reuses that assembly.
        Annotations annotations = Annotations.fromStack(stack);
        nagErrors = annotations.findError("*", Match.stringLikeRegexp("AwsSolutions-.*"));
        nagWarnings = annotations.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"));
        allWarnings = annotations.findWarning("*", Match.anyValue());
        template = Template.fromStack(stack);
        resources = asMap(template.toJSON().get("Resources"));
        System.out.printf("GantryStackTest: synthesized %d resources in %.1f s%n", resources.size(), (System.nanoTime() - start) / 1e9);
    }

    // ---- functions ------------------------------------------------------------------------

    @Test
    void oneJava21Arm64SnapStartFunctionPerCatalogEntry() {
        template.resourceCountIs("AWS::Lambda::Function", Catalog.API_FUNCTIONS.size() + Catalog.WORKERS.size());
        for (FunctionSpec spec : Catalog.API_FUNCTIONS) {
            Map<String, Object> fn = resource(functionId(spec));
            assertThat(fn.get("Type")).isEqualTo("AWS::Lambda::Function");
            Map<String, Object> props = props(fn);
            assertThat(props.get("Runtime")).as(spec.name()).isEqualTo("java21");
            assertThat(props.get("Architectures")).as(spec.name()).isEqualTo(List.of("arm64"));
            assertThat(props.get("Handler")).as(spec.name()).isEqualTo(spec.handlerClass() + "::handleRequest");
            assertThat(number(props.get("MemorySize"))).as(spec.name()).isEqualTo(spec.memoryMb());
            assertThat(number(props.get("Timeout"))).as(spec.name()).isEqualTo(29);
            assertThat(props.get("SnapStart")).as(spec.name()).isEqualTo(Map.of("ApplyOn", "PublishedVersions"));
            assertThat(props.get("TracingConfig")).as(spec.name()).isEqualTo(Map.of("Mode", "Active"));
            // The code is the function's shaded jar, staged as a file asset (what `sam local invoke` reads too).
            Map<String, Object> metadata = asMap(fn.get("Metadata"));
            assertThat(metadata.get("aws:asset:property")).isEqualTo("Code");
            assertThat((String) metadata.get("aws:asset:path")).endsWith(".jar");
            assertThat((String) asMap(props.get("Code")).get("S3Key")).endsWith(".jar");
            assertThat(GantryStack.functionJar(GantryApp.repoRoot(System.getProperty(GantryStack.REPO_ROOT_KEY), Path.of("")), spec.name()))
                    .hasFileName(spec.name() + ".jar");

            // Its own log group, with a retention.
            String logGroupId = ref(asMap(props.get("LoggingConfig")).get("LogGroup"));
            Map<String, Object> logGroup = resource(logGroupId);
            assertThat(logGroup.get("Type")).isEqualTo("AWS::Logs::LogGroup");
            assertThat(number(props(logGroup).get("RetentionInDays"))).isEqualTo(30);

            // The "live" alias points at a published version of this function.
            String aliasId = aliasOf(spec);
            Map<String, Object> alias = props(resource(aliasId));
            List<?> versionAtt = (List<?>) asMap(alias.get("FunctionVersion")).get("Fn::GetAtt");
            Map<String, Object> version = resource((String) versionAtt.get(0));
            assertThat(version.get("Type")).isEqualTo("AWS::Lambda::Version");
            assertThat(ref(props(version).get("FunctionName"))).isEqualTo(functionId(spec));
        }
    }

    @Test
    void functionEnvironmentNamesTableSecretsQueuesAndPowertools() {
        String tableId = onlyResourceOfType("AWS::DynamoDB::Table");
        for (FunctionSpec spec : Catalog.API_FUNCTIONS) {
            Map<String, Object> variables = asMap(asMap(props(resource(functionId(spec))).get("Environment")).get("Variables"));
            Map<String, Object> expected = new LinkedHashMap<>();
            expected.put("GANTRY_TABLE", Map.of("Ref", tableId));
            for (SecretSpec secret : SecretSpec.ALL) expected.put(secret.idEnvVar(), secret.defaultId());
            for (QueueSpec queue : QueueSpec.ALL) expected.put(queue.urlEnvVar(), Map.of("Ref", idAtPath("Gantry/Queues/" + queue.name() + "/Resource")));
            expected.put("POWERTOOLS_SERVICE_NAME", "gantry-" + spec.name());
            expected.put("POWERTOOLS_LOG_LEVEL", "INFO");
            expected.put("POWERTOOLS_METRICS_NAMESPACE", "Gantry");
            expected.put("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");
            assertThat(variables).as(spec.name()).isEqualTo(expected);
        }
    }

    @Test
    void operatorSettingsComeFromContextValuesOfTheSameName() {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("GANTRY_APPS_DOMAIN", " apps.example.com ");
        context.put("GANTRY_GITHUB_APP_ID", 123456);
        context.put("GANTRY_PUBLIC_URL", "  ");           // blank: left out, the function's default applies
        context.put("GANTRY_TABLE", "not-an-operator-setting");
        assertThat(GantryStack.operatorSettings(context::get))
                .containsExactly(Map.entry("GANTRY_APPS_DOMAIN", "apps.example.com"), Map.entry("GANTRY_GITHUB_APP_ID", "123456"));
        assertThat(GantryStack.operatorSettings(key -> null)).isEmpty();
    }

    // ---- HTTP API -------------------------------------------------------------------------

    @Test
    void apiRoutesAreExactlyTheRouteTablesAndEachReachesItsFunction() {
        List<String> expected = Catalog.API_FUNCTIONS.stream().flatMap(f -> f.routes().routeKeys().stream()).toList();
        Map<String, Map<String, Object>> routes = resourcesOfType("AWS::ApiGatewayV2::Route");
        List<String> actual = routes.values().stream().map(r -> (String) props(r).get("RouteKey")).toList();
        assertThat(actual).doesNotHaveDuplicates();
        assertThat(new TreeSet<>(actual)).isEqualTo(new TreeSet<>(expected));

        // Each route key is served by the function whose route table declares it, through its "live" alias.
        Map<String, String> routeKeyToAlias = new LinkedHashMap<>();
        for (Map<String, Object> route : routes.values()) {
            Map<String, Object> p = props(route);
            assertThat(p.get("AuthorizationType")).isEqualTo("NONE");
            List<?> join = (List<?>) ((List<?>) asMap(p.get("Target")).get("Fn::Join")).get(1);
            assertThat(join.get(0)).isEqualTo("integrations/");
            Map<String, Object> integration = props(resource(ref(join.get(1))));
            routeKeyToAlias.put((String) p.get("RouteKey"), ref(integration.get("IntegrationUri")));
        }
        for (FunctionSpec spec : Catalog.API_FUNCTIONS) {
            String aliasId = aliasOf(spec);
            for (String key : spec.routes().routeKeys()) assertThat(routeKeyToAlias.get(key)).as(key).isEqualTo(aliasId);
        }

        template.resourceCountIs("AWS::ApiGatewayV2::Integration", Catalog.API_FUNCTIONS.size());
        template.allResourcesProperties("AWS::ApiGatewayV2::Integration", Map.of(
                "IntegrationType", "AWS_PROXY", "PayloadFormatVersion", "2.0"));
        template.resourceCountIs("AWS::ApiGatewayV2::Api", 1);
        template.hasResourceProperties("AWS::ApiGatewayV2::Api", Map.of("ProtocolType", "HTTP"));

        // API Gateway may invoke each alias, from this API only.
        String apiId = onlyResourceOfType("AWS::ApiGatewayV2::Api");
        Map<String, Map<String, Object>> permissions = new LinkedHashMap<>(resourcesOfType("AWS::Lambda::Permission"));
        permissions.values().removeIf(p -> "events.amazonaws.com".equals(props(p).get("Principal"))); // the scheduled workers
        assertThat(permissions).hasSize(Catalog.API_FUNCTIONS.size());
        Set<String> permitted = new HashSet<>();
        for (Map<String, Object> permission : permissions.values()) {
            Map<String, Object> p = props(permission);
            assertThat(p.get("Principal")).isEqualTo("apigateway.amazonaws.com");
            assertThat(p.get("Action")).isEqualTo("lambda:InvokeFunction");
            assertThat(p.get("SourceArn").toString()).contains("{Ref=" + apiId + "}");
            permitted.add(ref(p.get("FunctionName")));
        }
        assertThat(permitted).isEqualTo(Catalog.API_FUNCTIONS.stream().map(GantryStackTest::aliasOf).collect(Collectors.toSet()));
    }

    @Test
    void defaultStageHasAccessLoggingAndThrottling() {
        template.resourceCountIs("AWS::ApiGatewayV2::Stage", 1);
        Map<String, Object> stage = props(resource(onlyResourceOfType("AWS::ApiGatewayV2::Stage")));
        assertThat(stage.get("StageName")).isEqualTo("$default");
        assertThat(stage.get("AutoDeploy")).isEqualTo(true);
        Map<String, Object> throttle = asMap(stage.get("DefaultRouteSettings"));
        assertThat(number(throttle.get("ThrottlingRateLimit"))).isEqualTo(GantryStack.THROTTLE_RATE_LIMIT);
        assertThat(number(throttle.get("ThrottlingBurstLimit"))).isEqualTo(GantryStack.THROTTLE_BURST_LIMIT);

        Map<String, Object> accessLog = asMap(stage.get("AccessLogSettings"));
        assertThat((String) accessLog.get("Format")).contains("$context.requestId", "$context.routeKey", "$context.status",
                "$context.identity.sourceIp");
        List<?> destination = (List<?>) asMap(accessLog.get("DestinationArn")).get("Fn::GetAtt");
        Map<String, Object> logGroup = resource((String) destination.get(0));
        assertThat(logGroup.get("Type")).isEqualTo("AWS::Logs::LogGroup");
        assertThat(props(logGroup)).containsKey("RetentionInDays");
    }

    // ---- storage, queues, secrets ---------------------------------------------------------

    @Test
    void tableMatchesKeysAndTableDefinition() {
        template.resourceCountIs("AWS::DynamoDB::Table", 1);
        Map<String, Object> table = resource(onlyResourceOfType("AWS::DynamoDB::Table"));
        assertThat(table.get("DeletionPolicy")).isEqualTo("Retain");
        assertThat(table.get("UpdateReplacePolicy")).isEqualTo("Retain");
        Map<String, Object> p = props(table);
        assertThat(p.get("KeySchema")).isEqualTo(List.of(
                Map.of("AttributeName", Keys.PK, "KeyType", "HASH"),
                Map.of("AttributeName", Keys.SK, "KeyType", "RANGE")));

        Set<Map<String, Object>> attributes = new HashSet<>();
        attributes.add(Map.of("AttributeName", Keys.PK, "AttributeType", "S"));
        attributes.add(Map.of("AttributeName", Keys.SK, "AttributeType", "S"));
        List<Map<String, Object>> indexes = new ArrayList<>();
        for (TableDefinition.Index index : TableDefinition.INDEXES) {
            attributes.add(Map.of("AttributeName", index.partitionKey(), "AttributeType", "S"));
            attributes.add(Map.of("AttributeName", index.sortKey(), "AttributeType", "S"));
            indexes.add(Map.of(
                    "IndexName", index.name(),
                    "KeySchema", List.of(
                            Map.of("AttributeName", index.partitionKey(), "KeyType", "HASH"),
                            Map.of("AttributeName", index.sortKey(), "KeyType", "RANGE")),
                    "Projection", Map.of("ProjectionType", "ALL")));
        }
        assertThat(new HashSet<>((List<?>) p.get("AttributeDefinitions"))).isEqualTo(attributes);
        assertThat(p.get("GlobalSecondaryIndexes")).isEqualTo(indexes);

        assertThat(p.get("TimeToLiveSpecification")).isEqualTo(Map.of("AttributeName", Keys.TTL, "Enabled", true));
        assertThat(p.get("BillingMode")).isEqualTo("PAY_PER_REQUEST");
        assertThat(p.get("PointInTimeRecoverySpecification")).isEqualTo(Map.of("PointInTimeRecoveryEnabled", true));
        assertThat(p.get("StreamSpecification")).isEqualTo(Map.of("StreamViewType", "NEW_AND_OLD_IMAGES"));
        // AWS-managed KMS key: SSE on, no customer key.
        assertThat(p.get("SSESpecification")).isEqualTo(Map.of("SSEEnabled", true));
    }

    @Test
    void everyQueueRedrivesToItsDeadLetterQueue() {
        template.resourceCountIs("AWS::SQS::Queue", 2 * QueueSpec.ALL.size());
        for (QueueSpec spec : QueueSpec.ALL) {
            String queueId = idAtPath("Gantry/Queues/" + spec.name() + "/Resource");
            String dlqId = idAtPath("Gantry/Queues/" + spec.deadLetterName() + "/Resource");
            Map<String, Object> queue = props(resource(queueId));
            Map<String, Object> dlq = props(resource(dlqId));

            assertThat(number(queue.get("VisibilityTimeout"))).as(spec.name()).isEqualTo(spec.visibilityTimeoutSeconds());
            Map<String, Object> redrive = asMap(queue.get("RedrivePolicy"));
            assertThat(number(redrive.get("maxReceiveCount"))).as(spec.name()).isEqualTo(spec.maxReceiveCount());
            assertThat(redrive.get("deadLetterTargetArn")).as(spec.name()).isEqualTo(Map.of("Fn::GetAtt", List.of(dlqId, "Arn")));

            assertThat(number(dlq.get("MessageRetentionPeriod"))).as(spec.deadLetterName()).isEqualTo(14 * 24 * 3600);
            assertThat(dlq).doesNotContainKey("RedrivePolicy");
            for (Map<String, Object> q : List.of(queue, dlq)) {
                assertThat(q.get("SqsManagedSseEnabled")).isEqualTo(true);
                assertThat(q).doesNotContainKey("KmsMasterKeyId");
            }
            // enforceSSL: a queue policy denying any request without aws:SecureTransport.
            for (String id : List.of(queueId, dlqId)) {
                template.hasResourceProperties("AWS::SQS::QueuePolicy", Match.objectLike(Map.of(
                        "Queues", List.of(Map.of("Ref", id)),
                        "PolicyDocument", Match.objectLike(Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
                                "Effect", "Deny",
                                "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))))));
            }
        }
    }

    @Test
    void everySecretIsGeneratedAndRetained() {
        template.resourceCountIs("AWS::SecretsManager::Secret", SecretSpec.ALL.size());
        for (SecretSpec spec : SecretSpec.ALL) {
            template.hasResource("AWS::SecretsManager::Secret", Match.objectLike(Map.of(
                    "DeletionPolicy", "Retain",
                    "Properties", Match.objectLike(Map.of(
                            "Name", spec.defaultId(),
                            "GenerateSecretString", Map.of("PasswordLength", 64, "ExcludePunctuation", true))))));
        }
    }

    @Test
    void eachWorkerIsFedByItsQueueOrSchedule() {
        for (WorkerSpec spec : Catalog.WORKERS) {
            String id = GantryStack.logicalName(spec.name()) + "Function";
            Map<String, Object> props = props(resource(id));
            assertThat(props.get("Handler")).as(spec.name()).isEqualTo(spec.handlerClass() + "::handleRequest");
            assertThat(props.get("Runtime")).isEqualTo("java21");
            assertThat(number(props.get("Timeout"))).as(spec.name()).isEqualTo(spec.timeoutSeconds());
            assertThat(GantryStack.functionJar(GantryApp.repoRoot(System.getProperty(GantryStack.REPO_ROOT_KEY), Path.of("")), "workers"))
                    .hasFileName("workers.jar");
        }
        Map<String, Map<String, Object>> mappings = resourcesOfType("AWS::Lambda::EventSourceMapping");
        assertThat(mappings).hasSize((int) Catalog.WORKERS.stream().filter(w -> w.queue() != null || w.tableStream()).count());
        // the stream relay is woken only by outbox inserts
        assertThat(mappings.values().stream().filter(m -> props(m).containsKey("FilterCriteria")).toList()).hasSize(1)
                .allSatisfy(m -> assertThat(props(m).get("FilterCriteria").toString()).contains("OUTBOX#").contains("INSERT"));
        for (Map<String, Object> m : mappings.values()) {
            assertThat(props(m).get("FunctionResponseTypes")).as("partial batch failures").isEqualTo(List.of("ReportBatchItemFailures"));
        }
        for (WorkerSpec spec : Catalog.WORKERS) {
            if (spec.queue() == null) continue;
            // the queue's visibility timeout covers the worker's timeout, or a message would be handled twice at once
            QueueSpec q = QueueSpec.ALL.stream().filter(x -> x.name().equals(spec.queue())).findFirst().orElseThrow();
            assertThat(q.visibilityTimeoutSeconds()).as(spec.name()).isGreaterThanOrEqualTo(spec.timeoutSeconds());
        }
        template.resourceCountIs("AWS::Events::Rule", (int) Catalog.WORKERS.stream().filter(w -> w.scheduleMinutes() > 0).count());
    }

    @Test
    void alarmsWatchEveryDeadLetterQueueAndEveryFunction() {
        Map<String, Map<String, Object>> alarms = resourcesOfType("AWS::CloudWatch::Alarm");
        List<Map<String, Object>> dlqAlarms = alarms.values().stream().filter(a -> "ApproximateNumberOfMessagesVisible".equals(props(a).get("MetricName"))).toList();
        List<Map<String, Object>> errorAlarms = alarms.values().stream().filter(a -> "Errors".equals(props(a).get("MetricName"))).toList();
        assertThat(dlqAlarms).hasSize(QueueSpec.ALL.size());
        assertThat(errorAlarms).hasSize(Catalog.API_FUNCTIONS.size() + Catalog.WORKERS.size());
        for (Map<String, Object> a : dlqAlarms) assertThat(number(props(a).get("Threshold"))).isEqualTo(1);
        for (Map<String, Object> a : errorAlarms) assertThat(number(props(a).get("Threshold"))).isEqualTo(1);
        assertThat(alarms).hasSize(dlqAlarms.size() + errorAlarms.size() + Catalog.API_FUNCTIONS.size() + 2);
    }

    /** A metric of an alarm's math expression, by its id: {Namespace, MetricName, Dimensions as a map, Stat, Period}. */
    private static Map<String, Object> mathMetric(Map<String, Object> alarm, String id) {
        for (Object o : (List<?>) props(alarm).get("Metrics")) {
            Map<String, Object> m = asMap(o);
            if (!id.equals(m.get("Id"))) continue;
            assertThat(m.get("ReturnData")).as("an input of the expression, not its result").isEqualTo(false);
            Map<String, Object> stat = asMap(m.get("MetricStat"));
            Map<String, Object> metric = asMap(stat.get("Metric"));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("Namespace", metric.get("Namespace"));
            out.put("MetricName", metric.get("MetricName"));
            Map<String, Object> dims = new LinkedHashMap<>();
            for (Object d : (List<?>) metric.get("Dimensions")) dims.put((String) asMap(d).get("Name"), asMap(d).get("Value"));
            out.put("Dimensions", dims);
            out.put("Stat", stat.get("Stat"));
            out.put("Period", number(stat.get("Period")));
            return out;
        }
        throw new AssertionError("no metric " + id + " in " + alarm);
    }

    private static String expression(Map<String, Object> alarm) {
        List<String> expressions = ((List<?>) props(alarm).get("Metrics")).stream().map(o -> asMap(o))
                .filter(m -> m.containsKey("Expression")).map(m -> (String) m.get("Expression")).toList();
        assertThat(expressions).hasSize(1);
        return expressions.get(0);
    }

    private static Map<String, Object> alarmDescribed(String startOfDescription) {
        List<Map<String, Object>> found = resourcesOfType("AWS::CloudWatch::Alarm").values().stream()
                .filter(a -> String.valueOf(props(a).get("AlarmDescription")).startsWith(startOfDescription)).toList();
        assertThat(found).as(startOfDescription).hasSize(1);
        return found.get(0);
    }

    @Test
    void eachApiFunctionAlarmsOnItsShareOf5xxAnswers() {
        for (FunctionSpec spec : Catalog.API_FUNCTIONS) {
            Map<String, Object> alarm = alarmDescribed("More than 5 % of the " + spec.name() + " function's requests answered 5xx");
            assertThat(expression(alarm)).isEqualTo("IF(requests >= 10, 100 * errors / requests, 0)");
            Map<String, Object> service = Map.of("Service", "gantry-" + spec.name());
            assertThat(mathMetric(alarm, "errors")).isEqualTo(Map.of("Namespace", "Gantry", "MetricName", "ServerErrors",
                    "Dimensions", service, "Stat", "Sum", "Period", 300));
            assertThat(mathMetric(alarm, "requests")).isEqualTo(Map.of("Namespace", "Gantry", "MetricName", "Requests",
                    "Dimensions", service, "Stat", "Sum", "Period", 300));
            assertThat(number(props(alarm).get("Threshold"))).isEqualTo(5);
            assertThat(props(alarm).get("ComparisonOperator")).isEqualTo("GreaterThanThreshold");
            assertThat(props(alarm).get("TreatMissingData")).isEqualTo("notBreaching");
        }
    }

    @Test
    void deadWebhookDeliveriesAndFailingDeploysAlarm() {
        Map<String, Object> dead = alarmDescribed("Webhook deliveries failed for good");
        assertThat(props(dead)).containsEntry("Namespace", "Gantry").containsEntry("MetricName", "WebhookDeliveries")
                .containsEntry("Statistic", "Sum").containsEntry("Dimensions", List.of(Map.of("Name", "Outcome", "Value", "dead")));
        assertThat(number(props(dead).get("Period"))).isEqualTo(3600);
        assertThat(number(props(dead).get("Threshold"))).isEqualTo(10);

        Map<String, Object> deploys = alarmDescribed("At least 50 % of the deploys that finished within an hour failed");
        assertThat(expression(deploys)).isEqualTo("IF(failed + succeeded >= 5, 100 * failed / (failed + succeeded), 0)");
        assertThat(mathMetric(deploys, "failed")).isEqualTo(Map.of("Namespace", "Gantry", "MetricName", "Deploys",
                "Dimensions", Map.of("Outcome", "failed"), "Stat", "Sum", "Period", 3600));
        assertThat(mathMetric(deploys, "succeeded")).isEqualTo(Map.of("Namespace", "Gantry", "MetricName", "Deploys",
                "Dimensions", Map.of("Outcome", "succeeded"), "Stat", "Sum", "Period", 3600));
        assertThat(number(props(deploys).get("Threshold"))).isEqualTo(50);
    }

    // ---- IAM --------------------------------------------------------------------------------

    @Test
    void rolesAreLeastPrivilege() {
        String tableId = onlyResourceOfType("AWS::DynamoDB::Table");
        for (Map<String, Object> role : resourcesOfType("AWS::IAM::Role").values()) {
            assertThat(props(role)).as("no AWS managed policies (AwsSolutions-IAM4)").doesNotContainKey("ManagedPolicyArns");
        }
        Map<String, Map<String, Object>> policies = resourcesOfType("AWS::IAM::Policy");
        assertThat(policies).hasSize(Catalog.API_FUNCTIONS.size() + Catalog.WORKERS.size());
        for (Map.Entry<String, Map<String, Object>> policy : policies.entrySet()) {
            List<?> statements = (List<?>) asMap(props(policy.getValue()).get("PolicyDocument")).get("Statement");
            Set<String> allActions = new TreeSet<>();
            for (Object s : statements) {
                Map<String, Object> statement = asMap(s);
                assertThat(statement.get("Effect")).isEqualTo("Allow");
                List<String> actions = strings(statement.get("Action"));
                allActions.addAll(actions);
                assertThat(actions).as(policy.getKey()).noneMatch(a -> a.contains("*"));
                if ("*".equals(statement.get("Resource"))) {
                    // The one suppressed IAM5 finding: X-Ray and ListStreams have no resource-level permissions.
                    assertThat(actions).as(policy.getKey() + " uses Resource *")
                            .allMatch(a -> a.startsWith("xray:") || a.equals("dynamodb:ListStreams"));
                }
                assertThat(statement.get("Resource").toString()).doesNotContain("/index/*");
            }
            assertThat(allActions).doesNotContain("dynamodb:Scan").contains(
                    "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                    "dynamodb:ConditionCheckItem", "secretsmanager:GetSecretValue", "sqs:SendMessage",
                    "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments");
            // Query on each index by name.
            String rendered = statements.toString();
            for (TableDefinition.Index index : TableDefinition.INDEXES) {
                assertThat(rendered).contains("{Fn::GetAtt=[" + tableId + ", Arn]}, /index/" + index.name() + "]");
            }
        }
    }

    // ---- cdk-nag ----------------------------------------------------------------------------

    @Test
    void cdkNagFindsNoUnsuppressedErrorsOrWarnings() {
        assertThat(nagErrors).as(describe(nagErrors)).isEmpty();
        assertThat(nagWarnings).as(describe(nagWarnings)).isEmpty();
        assertThat(allWarnings).as(describe(allWarnings)).isEmpty();
    }

    @Test
    void everySuppressionIsKnownAndCarriesAReason() {
        Map<String, Set<String>> suppressedBy = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Object>> e : resources.entrySet()) {
            Object nag = asMap(e.getValue().getOrDefault("Metadata", Map.of())).get("cdk_nag");
            if (nag == null) continue;
            for (Object r : (List<?>) asMap(nag).get("rules_to_suppress")) {
                Map<String, Object> rule = asMap(r);
                String id = (String) rule.get("id");
                assertThat(ALLOWED_SUPPRESSIONS).as(e.getKey() + " suppresses " + id).contains(id);
                assertThat((String) rule.get("reason")).as(e.getKey() + " " + id).hasSizeGreaterThan(80);
                if (id.equals("AwsSolutions-IAM5")) assertThat(rule.get("applies_to")).isEqualTo(List.of("Resource::*"));
                suppressedBy.computeIfAbsent(id, k -> new TreeSet<>()).add((String) e.getValue().get("Type"));
            }
        }
        // Each suppression sits on exactly the kind of resource it is about.
        assertThat(suppressedBy.get("AwsSolutions-APIG4")).containsExactly("AWS::ApiGatewayV2::Route");
        assertThat(suppressedBy.get("AwsSolutions-SMG4")).containsExactly("AWS::SecretsManager::Secret");
        assertThat(suppressedBy.get("AwsSolutions-L1")).containsExactly("AWS::Lambda::Function");
        assertThat(suppressedBy.get("AwsSolutions-IAM5")).containsExactlyInAnyOrder("AWS::IAM::Policy", "AWS::IAM::Role");
    }

    @Test
    void stackIsEnvironmentAgnostic() {
        String rendered = template.toJSON().toString();
        assertThat(rendered).doesNotContainPattern("\\b\\d{12}\\b").doesNotContain("us-east-1");
        template.hasOutput("ApiUrl", Match.anyValue());
        template.hasOutput("TableName", Match.anyValue());
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static String functionId(FunctionSpec spec) {
        return GantryStack.logicalName(spec.name()) + "Function";
    }

    private static String aliasOf(FunctionSpec spec) {
        List<String> ids = resourcesOfType("AWS::Lambda::Alias").entrySet().stream()
                .filter(e -> functionId(spec).equals(ref(props(e.getValue()).get("FunctionName"))))
                .filter(e -> GantryStack.LIVE_ALIAS.equals(props(e.getValue()).get("Name")))
                .map(Map.Entry::getKey).toList();
        assertThat(ids).as("live alias of " + spec.name()).hasSize(1);
        return ids.get(0);
    }

    private static Map<String, Object> resource(String logicalId) {
        assertThat(resources).containsKey(logicalId);
        return resources.get(logicalId);
    }

    private static Map<String, Map<String, Object>> resourcesOfType(String type) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        resources.forEach((id, r) -> { if (type.equals(r.get("Type"))) out.put(id, r); });
        return out;
    }

    private static String onlyResourceOfType(String type) {
        Map<String, Map<String, Object>> found = resourcesOfType(type);
        assertThat(found).as(type).hasSize(1);
        return found.keySet().iterator().next();
    }

    private static String idAtPath(String path) {
        List<String> ids = resources.entrySet().stream()
                .filter(e -> path.equals(asMap(e.getValue().getOrDefault("Metadata", Map.of())).get("aws:cdk:path")))
                .map(Map.Entry::getKey).toList();
        assertThat(ids).as(path).hasSize(1);
        return ids.get(0);
    }

    private static Map<String, Object> props(Map<String, Object> resource) {
        return asMap(resource.get("Properties"));
    }

    private static String ref(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        Object ref = asMap(value).get("Ref");
        assertThat(ref).as("a Ref: " + value).isInstanceOf(String.class);
        return (String) ref;
    }

    private static int number(Object value) {
        assertThat(value).isInstanceOf(Number.class);
        return ((Number) value).intValue();
    }

    private static List<String> strings(Object value) {
        if (value instanceof String s) return List.of(s);
        return ((List<?>) value).stream().map(String.class::cast).toList();
    }

    @SuppressWarnings("unchecked")
    private static <V> Map<String, V> asMap(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, V>) value;
    }

    private static String describe(List<SynthesisMessage> messages) {
        return messages.stream().map(m -> m.getId() + ": " + m.getEntry().getData()).collect(Collectors.joining("\n"));
    }
}
