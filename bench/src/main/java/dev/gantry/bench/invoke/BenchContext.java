package dev.gantry.bench.invoke;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** The least a Lambda context has to say: request id, function name, memory, a deadline, a logger to stderr. */
final class BenchContext implements Context {
    private static final LambdaLogger STDERR = new LambdaLogger() {
        @Override public void log(String message) { System.err.println(message); }
        @Override public void log(byte[] message) { System.err.println(new String(message, StandardCharsets.UTF_8)); }
    };

    private final String requestId = UUID.randomUUID().toString();
    private final String functionName;
    private final int memoryMb;
    private final long deadlineNanos = System.nanoTime() + 29_000_000_000L;

    BenchContext() {
        this.functionName = System.getenv().getOrDefault("AWS_LAMBDA_FUNCTION_NAME", "bench");
        this.memoryMb = Integer.parseInt(System.getenv().getOrDefault("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024"));
    }

    @Override public String getAwsRequestId() { return requestId; }
    @Override public String getLogGroupName() { return "/aws/lambda/" + functionName; }
    @Override public String getLogStreamName() { return "bench/[$LATEST]" + functionName; }
    @Override public String getFunctionName() { return functionName; }
    @Override public String getFunctionVersion() { return "$LATEST"; }
    @Override public String getInvokedFunctionArn() { return "arn:aws:lambda:us-east-1:000000000000:function:" + functionName; }
    @Override public CognitoIdentity getIdentity() { return null; }
    @Override public ClientContext getClientContext() { return null; }
    @Override public int getRemainingTimeInMillis() { return (int) Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000); }
    @Override public int getMemoryLimitInMB() { return memoryMb; }
    @Override public LambdaLogger getLogger() { return STDERR; }
}
