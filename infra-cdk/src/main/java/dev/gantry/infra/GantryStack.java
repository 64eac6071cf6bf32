package dev.gantry.infra;

import dev.gantry.functions.Catalog;
import dev.gantry.shared.functions.FunctionSpec;
import dev.gantry.shared.functions.WorkerSpec;
import dev.gantry.shared.observability.Metrics;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSource;
import software.amazon.awscdk.services.lambda.eventsources.DynamoEventSource;
import software.amazon.awscdk.services.lambda.StartingPosition;
import software.amazon.awscdk.services.lambda.FilterCriteria;
import software.amazon.awscdk.services.lambda.FilterRule;
import dev.gantry.shared.config.GantryConfig;
import dev.gantry.shared.queues.QueueSpec;
import dev.gantry.shared.secrets.SecretSpec;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.TableDefinition;
import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegration;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigatewayv2.AddRoutesOptions;
import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.apigatewayv2.HttpMethod;
import software.amazon.awscdk.services.apigatewayv2.HttpRoute;
import software.amazon.awscdk.services.apigatewayv2.HttpStage;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogDestination;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogSettings;
import software.amazon.awscdk.services.apigatewayv2.LogGroupLogDestination;
import software.amazon.awscdk.services.apigatewayv2.PayloadFormatVersion;
import software.amazon.awscdk.services.apigatewayv2.ThrottleSettings;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.StreamViewType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.CfnFunction;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.Tracing;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Gantry in one stack: the table, the queues with their DLQs, the master secrets, one Lambda per
 * API function of {@link Catalog#API_FUNCTIONS}, and the HTTP API whose routes are read from each
 * function's route table (never a hand-written list).
 *
 * <p>The stack is environment-agnostic: no account or region lookups, so it synthesizes offline.
 */
public final class GantryStack extends Stack {

    /** Context key (or system property) naming the repository root the function jars are built under. */
    public static final String REPO_ROOT_KEY = "gantry.repoRoot";

    /** Every function is invoked through this alias; it points at the latest published (SnapStart) version. */
    public static final String LIVE_ALIAS = "live";

    public static final int TIMEOUT_SECONDS = 29;
    public static final int THROTTLE_RATE_LIMIT = 1000;
    public static final int THROTTLE_BURST_LIMIT = 2000;
    public static final String JAVA_TOOL_OPTIONS = "-XX:+TieredCompilation -XX:TieredStopAtLevel=1";

    /** The namespace of Gantry's own metrics (EMF through Powertools; docs/observability.md). */
    public static final String METRICS_NAMESPACE = dev.gantry.shared.observability.EmfMetrics.DEFAULT_NAMESPACE;
    /** 5xx answers of an API function, in percent of its requests over 5 minutes (with at least {@link #SERVER_ERROR_MIN_REQUESTS} requests). */
    public static final int SERVER_ERROR_PERCENT = 5;
    public static final int SERVER_ERROR_MIN_REQUESTS = 10;
    /** Webhook deliveries that failed for good (every retry used, or 410 Gone) in an hour. */
    public static final int DEAD_DELIVERIES_PER_HOUR = 10;
    /** Failed deploys, in percent of the deploys that finished in an hour (with at least {@link #DEPLOY_FAILURE_MIN_DEPLOYS}). */
    public static final int DEPLOY_FAILURE_PERCENT = 50;
    public static final int DEPLOY_FAILURE_MIN_DEPLOYS = 5;

    /**
     * The item-level DynamoDB actions the functions use on the table: reads, writes and the
     * per-item actions a TransactWriteItems call is authorized by. No Scan (never on a request
     * path, DESIGN.md principle 4) and no control-plane action.
     */
    public static final List<String> TABLE_ACTIONS = List.of(
            "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
            "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
            "dynamodb:ConditionCheckItem");

    /** Indexes can only be queried. */
    public static final List<String> INDEX_ACTIONS = List.of("dynamodb:Query");

    /** One line per request: ids, caller IP, route and outcome. No headers, no query string, no body. */
    static final String ACCESS_LOG_FORMAT = "{"
            + "\"requestId\":\"$context.requestId\","
            + "\"ip\":\"$context.identity.sourceIp\","
            + "\"userAgent\":\"$context.identity.userAgent\","
            + "\"requestTime\":\"$context.requestTime\","
            + "\"httpMethod\":\"$context.httpMethod\","
            + "\"routeKey\":\"$context.routeKey\","
            + "\"path\":\"$context.path\","
            + "\"status\":\"$context.status\","
            + "\"protocol\":\"$context.protocol\","
            + "\"responseLength\":\"$context.responseLength\","
            + "\"responseLatency\":\"$context.responseLatency\","
            + "\"integrationLatency\":\"$context.integration.latency\","
            + "\"integrationStatus\":\"$context.integration.status\","
            + "\"integrationError\":\"$context.integration.error\""
            + "}";

    /** Every route: API Gateway passes the request through; the function decides who may call it. */
    private static final NagPackSuppression IN_FUNCTION_AUTH = NagPackSuppression.builder()
            .id("AwsSolutions-APIG4")
            .reason("Gantry authenticates and authorizes inside the function, per API.md section 1: bearer JWT access "
                    + "tokens and API keys (roles, per-key IP allow-lists, immediate revocation) on /v1 routes, an HMAC "
                    + "signature on POST /webhooks/github, and a documented set of public routes (/health, /v1/plans, "
                    + "signup/login/refresh, GitHub sign-in, /v1/openapi.json). The route table's Access level is enforced "
                    + "by the shared router; an API Gateway authorizer could not express these rules.")
            .build();

    private final Table table;
    private final Map<String, Queue> queues = new LinkedHashMap<>();
    private final Map<String, Queue> deadLetterQueues = new LinkedHashMap<>();
    private final Map<String, Secret> secrets = new LinkedHashMap<>();  // by SecretSpec.idEnvVar
    private final Map<String, Function> functions = new LinkedHashMap<>();
    private final HttpApi httpApi;

    public GantryStack(Construct scope, String id, StackProps props, Path repoRoot) {
        super(scope, id, props);

        table = createTable();
        Construct queueScope = new Construct(this, "Queues");
        for (QueueSpec spec : QueueSpec.ALL) queue(queueScope, spec);
        Construct secretScope = new Construct(this, "Secrets");
        for (SecretSpec spec : SecretSpec.ALL) secret(secretScope, spec);

        httpApi = HttpApi.Builder.create(this, "HttpApi")
                .apiName("gantry")
                .description("Gantry public API (API.md); routes come from the functions' route tables")
                // The $default stage below carries access logging and throttling.
                .createDefaultStage(false)
                .build();
        defaultStage(httpApi);

        for (FunctionSpec spec : Catalog.API_FUNCTIONS) {
            Alias live = function(spec, repoRoot);
            HttpLambdaIntegration integration = HttpLambdaIntegration.Builder.create(spec.name() + "-integration", live)
                    .payloadFormatVersion(PayloadFormatVersion.VERSION_2_0)
                    // One invoke permission per function, scoped to this API, instead of one per route:
                    // keeps the function's resource policy and the stack's resource count small as
                    // route tables grow.
                    .scopePermissionToRoute(false)
                    .build();
            // The function's own route table is the only source of its routes.
            for (String routeKey : spec.routes().routeKeys()) {
                int space = routeKey.indexOf(' ');
                List<HttpRoute> added = httpApi.addRoutes(AddRoutesOptions.builder()
                        .methods(List.of(HttpMethod.valueOf(routeKey.substring(0, space))))
                        .path(routeKey.substring(space + 1))
                        .integration(integration)
                        .build());
                for (HttpRoute route : added) NagSuppressions.addResourceSuppressions(route, List.of(IN_FUNCTION_AUTH));
            }
        }

        for (WorkerSpec spec : Catalog.WORKERS) worker(spec, repoRoot);
        alarms();

        CfnOutput.Builder.create(this, "ApiUrl").description("Base URL of the HTTP API").value(httpApi.getApiEndpoint()).build();
        CfnOutput.Builder.create(this, "TableName").description("The single DynamoDB table").value(table.getTableName()).build();
    }

    private Table createTable() {
        Table t = Table.Builder.create(this, "Table")
                .partitionKey(Attribute.builder().name(Keys.PK).type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name(Keys.SK).type(AttributeType.STRING).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder().pointInTimeRecoveryEnabled(true).build())
                .stream(StreamViewType.NEW_AND_OLD_IMAGES)
                .encryption(TableEncryption.AWS_MANAGED)
                .timeToLiveAttribute(Keys.TTL)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        for (TableDefinition.Index index : TableDefinition.INDEXES) {
            t.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                    .indexName(index.name())
                    .partitionKey(Attribute.builder().name(index.partitionKey()).type(AttributeType.STRING).build())
                    .sortKey(Attribute.builder().name(index.sortKey()).type(AttributeType.STRING).build())
                    .projectionType(ProjectionType.ALL)
                    .build());
        }
        return t;
    }

    private void queue(Construct scope, QueueSpec spec) {
        Queue dlq = Queue.Builder.create(scope, spec.deadLetterName())
                .retentionPeriod(Duration.days(14))
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .build();
        Queue queue = Queue.Builder.create(scope, spec.name())
                .visibilityTimeout(Duration.seconds(spec.visibilityTimeoutSeconds()))
                .deadLetterQueue(DeadLetterQueue.builder().queue(dlq).maxReceiveCount(spec.maxReceiveCount()).build())
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .build();
        deadLetterQueues.put(spec.name(), dlq);
        queues.put(spec.name(), queue);
    }

    private void secret(Construct scope, SecretSpec spec) {
        Secret secret = Secret.Builder.create(scope, spec.defaultId().replace('/', '-'))
                .secretName(spec.defaultId())
                .description(spec.purpose())
                .generateSecretString(SecretStringGenerator.builder().passwordLength(64).excludePunctuation(true).build())
                // Losing a master secret loses data (wrapped keys, stored API key HMACs): never delete with the stack.
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        NagSuppressions.addResourceSuppressions(secret, List.of(NagPackSuppression.builder()
                .id("AwsSolutions-SMG4")
                .reason("Master secret " + spec.defaultId() + " (" + spec.purpose() + "). Values derived from it outlive it "
                        + "(signed tokens and cursors, stored API key HMACs, wrapped data keys, the secret registered at GitHub), "
                        + "so a scheduled rotation that just replaces the value would break them; rotating it is a coordinated, "
                        + "manual re-keying (see infra-cdk/README.md) until a rotation function that re-keys exists.")
                .build()));
        secrets.put(spec.idEnvVar(), secret);
    }

    private void defaultStage(HttpApi api) {
        LogGroup accessLogs = LogGroup.Builder.create(this, "HttpApiAccessLogs")
                .retention(RetentionDays.ONE_MONTH)
                .build();
        LogGroupLogDestination destination = new LogGroupLogDestination(accessLogs);
        HttpStage.Builder.create(this, "DefaultStage")
                .httpApi(api)
                .stageName("$default")
                .autoDeploy(true)
                .throttle(ThrottleSettings.builder().rateLimit(THROTTLE_RATE_LIMIT).burstLimit(THROTTLE_BURST_LIMIT).build())
                .accessLogSettings(new IAccessLogSettings() {
                    @Override public IAccessLogDestination getDestination() { return destination; }
                    @Override public AccessLogFormat getFormat() { return AccessLogFormat.custom(ACCESS_LOG_FORMAT); }
                })
                .build();
    }

    /**
     * The alarms an operator needs first: any message in a dead-letter queue (work that failed
     * every retry), any function error (an unhandled exception, a timeout), and those on Gantry's
     * own metrics ({@link #metricAlarms}). They have no actions: where they notify (SNS, chat,
     * paging) is the operator's choice.
     */
    private void alarms() {
        Construct scope = new Construct(this, "Alarms");
        deadLetterQueues.forEach((name, dlq) -> Alarm.Builder.create(scope, name + "-dlq-not-empty")
                .alarmDescription("Messages of the " + name + " queue failed every retry and wait in its DLQ")
                .metric(dlq.metricApproximateNumberOfMessagesVisible(MetricOptions.builder().period(Duration.minutes(5)).statistic("Maximum").build()))
                .threshold(1).evaluationPeriods(1).comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING).build());
        functions.forEach((name, fn) -> Alarm.Builder.create(scope, name + "-errors")
                .alarmDescription("The " + name + " function failed (unhandled error or timeout)")
                .metric(fn.metricErrors(MetricOptions.builder().period(Duration.minutes(5)).statistic("Sum").build()))
                .threshold(1).evaluationPeriods(1).comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING).build());
        metricAlarms(scope);
    }

    private static Metric gantryMetric(String name, Map<String, String> dimensions, Duration period) {
        return Metric.Builder.create().namespace(METRICS_NAMESPACE).metricName(name).dimensionsMap(dimensions)
                .statistic("Sum").period(period).build();
    }

    /**
     * Alarms on Gantry's own metrics: an API function's 5xx rate, webhook deliveries that died,
     * and the share of deploys that failed. Starting points, not service-level objectives.
     */
    private void metricAlarms(Construct scope) {
        for (FunctionSpec spec : Catalog.API_FUNCTIONS) {
            Map<String, String> service = Map.of("Service", serviceName(spec.name()));
            Duration period = Duration.minutes(5);
            Alarm.Builder.create(scope, spec.name() + "-5xx-rate")
                    .alarmDescription("More than " + SERVER_ERROR_PERCENT + " % of the " + spec.name() + " function's requests answered 5xx over 5 minutes")
                    .metric(MathExpression.Builder.create()
                            .expression("IF(requests >= " + SERVER_ERROR_MIN_REQUESTS + ", 100 * errors / requests, 0)")
                            .usingMetrics(Map.of("errors", gantryMetric(Metrics.SERVER_ERRORS, service, period),
                                    "requests", gantryMetric(Metrics.REQUESTS, service, period)))
                            .label(spec.name() + " 5xx %").period(period).build())
                    .threshold(SERVER_ERROR_PERCENT).evaluationPeriods(1).comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                    .treatMissingData(TreatMissingData.NOT_BREACHING).build();
        }
        Alarm.Builder.create(scope, "webhook-deliveries-dead")
                .alarmDescription("Webhook deliveries failed for good (every retry used, or the endpoint answered 410) within an hour")
                .metric(gantryMetric(Metrics.WEBHOOK_DELIVERIES, Map.of(Metrics.OUTCOME, "dead"), Duration.hours(1)))
                .threshold(DEAD_DELIVERIES_PER_HOUR).evaluationPeriods(1).comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING).build();
        Duration hour = Duration.hours(1);
        Alarm.Builder.create(scope, "deploys-failing")
                .alarmDescription("At least " + DEPLOY_FAILURE_PERCENT + " % of the deploys that finished within an hour failed")
                .metric(MathExpression.Builder.create()
                        .expression("IF(failed + succeeded >= " + DEPLOY_FAILURE_MIN_DEPLOYS + ", 100 * failed / (failed + succeeded), 0)")
                        .usingMetrics(Map.of("failed", gantryMetric(Metrics.DEPLOYS, Map.of(Metrics.OUTCOME, "failed"), hour),
                                "succeeded", gantryMetric(Metrics.DEPLOYS, Map.of(Metrics.OUTCOME, "succeeded"), hour)))
                        .label("failed deploys %").period(hour).build())
                .threshold(DEPLOY_FAILURE_PERCENT).evaluationPeriods(1).comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING).build();
    }

    /** The Service dimension and log field of a function: POWERTOOLS_SERVICE_NAME. */
    static String serviceName(String function) {
        return "gantry-" + function;
    }

    /** An API function and its "live" alias (what API Gateway invokes). */
    private Alias function(FunctionSpec spec, Path repoRoot) {
        Function fn = lambda(spec.name(), functionJar(repoRoot, spec.name()), spec.handlerClass(), spec.memoryMb(), TIMEOUT_SECONDS,
                "Gantry " + spec.name() + " (" + spec.routes().routes().size() + " routes)");
        return Alias.Builder.create((Construct) fn.getNode().getScope(), "Live")
                .aliasName(LIVE_ALIAS)
                .version(fn.getCurrentVersion())
                .build();
    }

    /**
     * A worker (DESIGN.md: queue consumers and the outbox relay), from the workers jar: fed by its
     * queue with partial batch failures reported, or run on a schedule.
     */
    private void worker(WorkerSpec spec, Path repoRoot) {
        Function fn = lambda(spec.name(), functionJar(repoRoot, "workers"), spec.handlerClass(), spec.memoryMb(), spec.timeoutSeconds(),
                "Gantry " + spec.name() + (spec.queue() != null ? " (queue " + spec.queue() + ")" : " (every " + spec.scheduleMinutes() + " min)"));
        Alias live = Alias.Builder.create((Construct) fn.getNode().getScope(), "Live").aliasName(LIVE_ALIAS).version(fn.getCurrentVersion()).build();
        if (spec.tableStream()) {
            // Only the outbox items' inserts wake it (the stream carries every write of the table).
            live.addEventSource(DynamoEventSource.Builder.create(table).startingPosition(StartingPosition.LATEST)
                    .batchSize(spec.batchSize()).reportBatchItemFailures(true).retryAttempts(10).bisectBatchOnError(true)
                    .filters(List.of(FilterCriteria.filter(Map.of("eventName", FilterRule.isEqual("INSERT"),
                            "dynamodb", Map.of("Keys", Map.of(Keys.PK, Map.of("S", FilterRule.beginsWith("OUTBOX#"))))))))
                    .build());
        } else if (spec.queue() != null) {
            Queue queue = queues.get(spec.queue());
            if (queue == null) throw new IllegalStateException("worker " + spec.name() + " reads unknown queue " + spec.queue());
            live.addEventSource(SqsEventSource.Builder.create(queue).batchSize(spec.batchSize()).reportBatchItemFailures(true).build());
        } else {
            Rule.Builder.create((Construct) fn.getNode().getScope(), "Schedule")
                    .description("Runs " + spec.name())
                    .schedule(Schedule.rate(Duration.minutes(spec.scheduleMinutes())))
                    .targets(List.of(new LambdaFunction(live)))
                    .build();
        }
    }

    /**
     * The {@link GantryConfig#OPERATOR_SETTINGS} given as context values ({@code cdk deploy -c NAME=value}),
     * in that order; a setting not given is left out, so the function's own default applies.
     */
    static Map<String, String> operatorSettings(java.util.function.Function<String, Object> context) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String name : GantryConfig.OPERATOR_SETTINGS) {
            Object value = context.apply(name);
            if (value != null && !value.toString().isBlank()) settings.put(name, value.toString().trim());
        }
        return settings;
    }

    /** The function, its role and its log group. */
    private Function lambda(String name, Path jar, String handlerClass, int memoryMb, int timeoutSeconds, String description) {
        Construct scope = new Construct(this, name);

        LogGroup logGroup = LogGroup.Builder.create(scope, "Logs").retention(RetentionDays.ONE_MONTH).build();
        // An explicit role rather than the default one: no AWSLambdaBasicExecutionRole managed policy,
        // log permissions only on this function's own log group.
        Role role = Role.Builder.create(scope, "Role")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description("Gantry " + name + " function")
                .build();
        logGroup.grantWrite(role);

        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("GANTRY_TABLE", table.getTableName());
        // The secret's fixed name (SecretSpec.defaultId), not the ARN-parsing token Secret.getSecretName() renders.
        for (SecretSpec secret : SecretSpec.ALL) environment.put(secret.idEnvVar(), secret.defaultId());
        for (QueueSpec q : QueueSpec.ALL) environment.put(q.urlEnvVar(), queues.get(q.name()).getQueueUrl());
        environment.put("POWERTOOLS_SERVICE_NAME", serviceName(name));
        environment.put("POWERTOOLS_LOG_LEVEL", "INFO");
        environment.put("POWERTOOLS_METRICS_NAMESPACE", METRICS_NAMESPACE);
        environment.put("JAVA_TOOL_OPTIONS", JAVA_TOOL_OPTIONS);
        environment.putAll(operatorSettings(key -> getNode().tryGetContext(key)));

        Function fn = Function.Builder.create(scope, "Function")
                .description(description)
                .runtime(Runtime.JAVA_21)
                .architecture(Architecture.ARM_64)
                .memorySize(memoryMb)
                .timeout(Duration.seconds(timeoutSeconds))
                .code(Code.fromAsset(jar.toString()))
                .handler(handlerClass + "::handleRequest")
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                .tracing(Tracing.ACTIVE)
                .logGroup(logGroup)
                .role(role)
                .environment(environment)
                .build();
        // The version published for SnapStart is fn.getCurrentVersion() below (the "live" alias points at it).
        software.amazon.awscdk.Annotations.of(fn).acknowledgeWarning("@aws-cdk/aws-lambda:snapStartRequirePublish",
                "Published: the live alias points at the function's current version");
        // A stable logical id ("IdentityFunction"), so `sam local invoke IdentityFunction` works.
        ((CfnFunction) fn.getNode().getDefaultChild()).overrideLogicalId(logicalName(name) + "Function");

        grantTable(role);
        secrets.values().forEach(s -> s.grantRead(role));
        queues.values().forEach(q -> q.grantSendMessages(role));

        NagSuppressions.addResourceSuppressions(role, List.of(NagPackSuppression.builder()
                .id("AwsSolutions-IAM5")
                .reason("X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support "
                        + "resource-level permissions, so AWS requires Resource \"*\" for them (and dynamodb:ListStreams, "
                        + "which the table-stream consumer's event source needs, likewise). Every other statement of "
                        + "this role names its resources (the table and its indexes, the secrets, the queues, the "
                        + "function's own log group); GantryStackTest checks that only X-Ray actions use \"*\".")
                .appliesTo(List.of("Resource::*"))
                .build()), true);
        NagSuppressions.addResourceSuppressions(fn, List.of(NagPackSuppression.builder()
                .id("AwsSolutions-L1")
                .reason("The project pins Java 21 (maven.compiler.release=21 in the parent POM): the functions are compiled, "
                        + "tested and SnapStart-primed for the java21 runtime. Moving to a newer Java runtime is a deliberate, "
                        + "project-wide change, not a stack setting.")
                .build()));

        functions.put(name, fn);
        return fn;
    }

    /** Item-level access to the table and query access to each index by name: no wildcard resources. */
    private void grantTable(Role role) {
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("TableItems")
                .actions(TABLE_ACTIONS)
                .resources(List.of(table.getTableArn()))
                .build());
        List<String> indexArns = new ArrayList<>();
        for (TableDefinition.Index index : TableDefinition.INDEXES) indexArns.add(table.getTableArn() + "/index/" + index.name());
        if (!indexArns.isEmpty()) {
            role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                    .sid("TableIndexes")
                    .actions(INDEX_ACTIONS)
                    .resources(indexArns)
                    .build());
        }
    }

    /** {@code functions/<name>/target/<name>.jar}, the function module's shaded jar. */
    static Path functionJar(Path repoRoot, String name) {
        Path jar = repoRoot.resolve("functions").resolve(name).resolve("target").resolve(name + ".jar").toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("The " + name + " function's jar " + jar + " does not exist: build the functions first "
                    + "(mvn -B install -DskipTests at the repository root), or point " + REPO_ROOT_KEY + " at the repository root.");
        }
        return jar;
    }

    /** "github-ingest" becomes "GithubIngest". */
    static String logicalName(String name) {
        StringBuilder out = new StringBuilder();
        for (String part : name.split("[^A-Za-z0-9]+")) {
            if (part.isEmpty()) continue;
            out.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
        }
        return out.toString();
    }

    public Table table() { return table; }

    public Map<String, Queue> queues() { return Map.copyOf(queues); }

    public Map<String, Queue> deadLetterQueues() { return Map.copyOf(deadLetterQueues); }

    public Map<String, Function> functions() { return Map.copyOf(functions); }

    public HttpApi httpApi() { return httpApi; }
}
