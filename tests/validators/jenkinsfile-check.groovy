// Offline check of a Declarative Jenkinsfile (no Jenkins controller needed):
//   1. the file compiles as Groovy to the CONVERSION phase (syntax, as Jenkins' CPS parser sees it);
//   2. its AST has the Declarative Pipeline shape Jenkins' model validator enforces:
//      pipeline { agent ...; stages { stage('x') { steps { ... } } } }, known sections and
//      directives, every stage with exactly one of steps / stages / parallel / matrix, unique stage
//      names, only steps (or script { }) inside steps, known post conditions and when conditions.
// Usage: JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 groovy jenkinsfile-check.groovy <Jenkinsfile>...
// Exit 0 (prints OK) when valid, 1 with "file:line: message" lines when not, 2 on usage errors,
// 3 when the checker itself failed.
import org.codehaus.groovy.ast.ASTNode
import org.codehaus.groovy.ast.expr.*
import org.codehaus.groovy.ast.stmt.*
import org.codehaus.groovy.control.CompilationUnit
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.MultipleCompilationErrorsException
import org.codehaus.groovy.control.Phases
import org.codehaus.groovy.control.messages.SyntaxErrorMessage

class DeclarativeShape {
    static final Set PIPELINE_SECTIONS = ['agent', 'environment', 'options', 'parameters', 'triggers', 'tools', 'stages', 'post', 'libraries'] as Set
    static final Set STAGE_DIRECTIVES = ['agent', 'environment', 'input', 'options', 'post', 'steps', 'stages', 'parallel', 'matrix', 'tools', 'when', 'failFast'] as Set
    static final Set STAGE_BODIES = ['steps', 'stages', 'parallel', 'matrix'] as Set
    static final Set AGENT_KINDS = ['label', 'node', 'docker', 'dockerfile', 'kubernetes'] as Set
    static final Set POST_CONDITIONS = ['always', 'changed', 'fixed', 'regression', 'aborted', 'failure', 'success', 'unstable', 'unsuccessful', 'cleanup'] as Set
    static final Set WHEN_CONDITIONS = ['branch', 'buildingTag', 'changelog', 'changeset', 'changeRequest', 'environment', 'equals', 'expression', 'tag', 'not', 'allOf', 'anyOf', 'triggeredBy', 'beforeAgent', 'beforeInput', 'beforeOptions'] as Set

    final String file
    final List<String> errors = []
    final Set<String> stageNames = [] as Set

    DeclarativeShape(String file) { this.file = file }

    void error(ASTNode node, String message) {
        errors << "${file}:${node?.lineNumber > 0 ? node.lineNumber : 1}: ${message}".toString()
    }

    /** `name(args)` or `name args` as a statement: the call, else null. */
    static MethodCallExpression invocation(Statement statement) {
        if (!(statement instanceof ExpressionStatement)) return null
        def expression = ((ExpressionStatement) statement).expression
        if (!(expression instanceof MethodCallExpression)) return null
        def call = (MethodCallExpression) expression
        return call.implicitThis ? call : null
    }

    static List<Expression> arguments(MethodCallExpression call) {
        call.arguments instanceof TupleExpression ? ((TupleExpression) call.arguments).expressions : [call.arguments]
    }

    static ClosureExpression closureOf(MethodCallExpression call) {
        def args = arguments(call)
        return args && args.last() instanceof ClosureExpression ? (ClosureExpression) args.last() : null
    }

    static List<Statement> statements(ClosureExpression closure) {
        def code = closure.code
        code instanceof BlockStatement ? ((BlockStatement) code).statements : [code]
    }

    /** The body of `name { ... }`, reporting an error if there is none. */
    List<Statement> block(MethodCallExpression call) {
        def closure = closureOf(call)
        if (closure == null) {
            error(call, "${call.methodAsString} needs a { } block")
            return []
        }
        statements(closure)
    }

    /** The directives in `owner { ... }` by name, reporting statements that are not one, unknown names and repeats. */
    Map<String, MethodCallExpression> directives(MethodCallExpression owner, Set allowed, String kind, String where) {
        def seen = [:]
        block(owner).each { statement ->
            def c = invocation(statement)
            if (c == null) {
                error(statement, "only ${kind}s (${allowed.take(4).join(', ')}, ...) are allowed in ${where}")
                return
            }
            def name = c.methodAsString
            if (!(name in allowed)) error(c, "unknown ${kind} '${name}' in ${where}")
            else if (seen.containsKey(name)) error(c, "duplicate ${kind} '${name}' in ${where}")
            seen[name] = c
        }
        seen
    }

    /** The body of `owner { ... }`, which must not be empty. */
    List<Statement> nonEmptyBlock(MethodCallExpression owner) {
        def body = block(owner)
        if (body.isEmpty()) error(owner, "${owner.methodAsString} { } is empty")
        body
    }

    /** The calls in `owner { ... }` named in `allowed`; anything else is reported as an unknown `kind`. */
    List<MethodCallExpression> knownCalls(MethodCallExpression owner, Collection allowed, String kind) {
        nonEmptyBlock(owner).findResults { statement ->
            def c = invocation(statement)
            if (c != null && c.methodAsString in allowed) return c
            error(statement, "unknown ${kind} '${c?.methodAsString ?: statement.text}' in ${owner.methodAsString} { }")
            null
        }
    }

    void checkScript(BlockStatement script) {
        def pipelines = []
        script.statements.each { statement ->
            def c = invocation(statement)
            if (c?.methodAsString == 'pipeline') pipelines << c
        }
        if (pipelines.size() != 1) {
            error(script.statements ? script.statements[0] : null, pipelines ? 'more than one pipeline block' : 'no top-level pipeline { } block (not a Declarative Pipeline)')
            return
        }
        checkPipeline(pipelines[0])
    }

    void checkPipeline(MethodCallExpression pipeline) {
        def seen = directives(pipeline, PIPELINE_SECTIONS, 'section', 'pipeline')
        if (!seen.agent) error(pipeline, "pipeline has no 'agent'")
        else checkAgent(seen.agent, false)
        if (!seen.stages) error(pipeline, "pipeline has no 'stages'")
        else checkStages(seen.stages)
        if (seen.post) checkPost(seen.post)
        ['environment'].each { if (seen[it]) checkEnvironment(seen[it]) }
        ['options', 'parameters', 'triggers', 'tools'].each { if (seen[it]) checkCalls(seen[it]) }
    }

    void checkAgent(MethodCallExpression agent, boolean inStage) {
        def args = arguments(agent)
        if (args.size() == 1 && args[0] instanceof VariableExpression) {
            def kind = ((VariableExpression) args[0]).name
            if (!(kind in ['any', 'none'])) error(agent, "agent '${kind}' is not one of any, none, { label ... }, { docker ... }, { kubernetes ... }")
            return
        }
        knownCalls(agent, AGENT_KINDS + ['customWorkspace', 'reuseNode'], 'agent type')
    }

    void checkStages(MethodCallExpression stages) {
        knownCalls(stages, ['stage'], "entry (only stage('name') { })").each { checkStage(it) }
    }

    void checkStage(MethodCallExpression stage) {
        def args = arguments(stage)
        def name = args && args[0] instanceof ConstantExpression ? ((ConstantExpression) args[0]).value : null
        if (!(name instanceof String) || !name.trim()) error(stage, "stage needs a constant name: stage('name') { }")
        else if (!stageNames.add(name)) error(stage, "duplicate stage name '${name}'")
        def seen = directives(stage, STAGE_DIRECTIVES, 'directive', "stage '${name}'")
        def bodies = seen.keySet().intersect(STAGE_BODIES)
        if (bodies.size() != 1) {
            error(stage, "stage '${name}' must have exactly one of steps, stages, parallel or matrix${bodies ? ' (has ' + bodies.join(', ') + ')' : ''}")
        }
        if (seen.steps) checkSteps(seen.steps)
        if (seen.stages) checkStages(seen.stages)
        if (seen.parallel) checkStages(seen.parallel)
        if (seen.agent) checkAgent(seen.agent, true)
        if (seen.post) checkPost(seen.post)
        if (seen.when) checkWhen(seen.when)
        if (seen.environment) checkEnvironment(seen.environment)
    }

    void checkSteps(MethodCallExpression steps) {
        nonEmptyBlock(steps).each { statement ->
            if (invocation(statement) == null) {
                def code = statement.text.replaceAll(/\s+/, ' ')
                error(statement, "only steps are allowed in steps { }, not '${code.size() > 60 ? code.take(57) + '...' : code}': wrap Groovy code in script { }")
            }
        }
    }

    void checkPost(MethodCallExpression post) {
        knownCalls(post, POST_CONDITIONS, 'post condition').each { checkSteps(it) }
    }

    void checkWhen(MethodCallExpression when) {
        knownCalls(when, WHEN_CONDITIONS, 'when condition').each { if (it.methodAsString in ['not', 'allOf', 'anyOf']) checkWhen(it) }
    }

    void checkEnvironment(MethodCallExpression environment) {
        block(environment).each { statement ->
            def expression = statement instanceof ExpressionStatement ? ((ExpressionStatement) statement).expression : null
            if (!(expression instanceof BinaryExpression && ((BinaryExpression) expression).operation.text == '=' &&
                    ((BinaryExpression) expression).leftExpression instanceof VariableExpression)) {
                error(statement, 'environment { } holds only NAME = value assignments')
            }
        }
    }

    void checkCalls(MethodCallExpression section) {
        nonEmptyBlock(section).each { statement ->
            if (invocation(statement) == null) error(statement, "only directives are allowed in ${section.methodAsString} { }")
        }
    }
}

if (!args) {
    System.err.println('usage: groovy jenkinsfile-check.groovy <Jenkinsfile>...')
    System.exit(2)
}
def missing = args.findAll { !new File(it).isFile() }
if (missing) {
    System.err.println("no such file: ${missing.join(', ')}\nusage: groovy jenkinsfile-check.groovy <Jenkinsfile>...")
    System.exit(2)
}

def problems = []
try {
    args.each { path ->
        def unit = new CompilationUnit(new CompilerConfiguration())
        def source = unit.addSource(new File(path))
        try {
            unit.compile(Phases.CONVERSION)
        } catch (MultipleCompilationErrorsException e) {
            e.errorCollector.errors.each { message ->
                if (message instanceof SyntaxErrorMessage) {
                    def cause = message.cause
                    problems << "${path}:${cause.line}:${cause.startColumn}: ${cause.originalMessage}".toString()
                } else {
                    problems << "${path}: ${message}".toString()
                }
            }
            return
        }
        def shape = new DeclarativeShape(path)
        shape.checkScript(source.AST.statementBlock)
        problems.addAll(shape.errors)
    }
} catch (Throwable crash) {
    // A failure of this checker must not read as "the Jenkinsfile is invalid".
    System.err.println("validator crashed: ${crash}")
    crash.printStackTrace()
    System.exit(3)
}
if (problems) {
    problems.each { println it }
    System.exit(1)
}
println 'OK'
